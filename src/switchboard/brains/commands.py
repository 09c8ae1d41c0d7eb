"""``switchboard encoder export`` and ``switchboard encoder check``.

``export`` writes the ONNX graph of the installed all-MiniLM-L6-v2 into
``SWITCHBOARD_ROUTER__ONNX_DIR`` (``var/models`` by default), and its int8
quantisation beside it — run at install time (``make run``/``make test``, the
Dockerfile) so no replica pays the ~5 s export on its first start. ``check``
embeds texts with torch and ONNX fp32 (or, with ``--int8``, ONNX fp32 and int8)
and prints the largest difference, the smallest cosine and the CPU per text of
each (exit 1 past the tolerance).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer

DirOption = Annotated[
    Path | None,
    typer.Option("--dir", help="ONNX model directory (default: SWITCHBOARD_ROUTER__ONNX_DIR)"),
]


def _onnx_dir(given: Path | None) -> Path:
    from switchboard.config import load_settings

    return given if given is not None else load_settings().router.onnx_dir


def export(
    onnx_dir: DirOption = None,
    force: Annotated[bool, typer.Option("--force", help="export even when current")] = False,
) -> None:
    """Export the installed MiniLM to ONNX (offline), check it against torch, quantise it."""
    from switchboard.brains.local.onnx_encoder import (
        INT8_SIDECAR_FILE,
        SIDECAR_FILE,
        export_onnx,
        quantize_int8,
    )
    from switchboard.errors import RouterModelError

    where = _onnx_dir(onnx_dir)
    try:
        path = export_onnx(where, force=force)
        int8 = quantize_int8(where, force=force)
    except RouterModelError as exc:
        typer.secho(f"error: {exc}", err=True, fg=typer.colors.RED)
        raise typer.Exit(1) from None
    typer.echo(f"{path}\n{(where / SIDECAR_FILE).read_text().strip()}")
    typer.echo(f"{int8}\n{(where / INT8_SIDECAR_FILE).read_text().strip()}")


def check(
    files: Annotated[
        list[Path], typer.Argument(help="JSONL files with a 'text' field (default: shipped data)")
    ] = [],  # noqa: B006 - typer reads the default, never mutates it
    limit: Annotated[int, typer.Option(help="texts to compare")] = 1000,
    onnx_dir: DirOption = None,
    int8: Annotated[
        bool, typer.Option("--int8", help="compare ONNX fp32 with ONNX int8 instead of torch")
    ] = False,
) -> None:
    """Embed texts with two encoders; print max |Δ|, min cosine and CPU ms/text of each.

    Default: torch against ONNX fp32 (exit 1 past ``EXPORT_TOLERANCE``); ``--int8``:
    ONNX fp32 against ONNX int8 (exit 1 when a cosine is below ``INT8_MIN_COSINE``).
    """
    import json

    import numpy as np

    from switchboard.brains.local.embedder import MiniLmEmbedder
    from switchboard.brains.local.onnx_encoder import (
        EXPORT_TOLERANCE,
        INT8_MIN_COSINE,
        OnnxMiniLmEmbedder,
        export_onnx,
        quantize_int8,
    )
    from switchboard.config import load_settings

    paths = files or sorted(load_settings().router.training_dir.glob("*.jsonl"))
    texts: list[str] = []
    for path in paths:
        with path.open(encoding="utf-8") as fh:
            texts += [json.loads(line)["text"] for line in fh if line.strip()]
    texts = texts[:limit]
    where = _onnx_dir(onnx_dir)
    fp32 = OnnxMiniLmEmbedder(export_onnx(where), cache_size=0)
    pair: tuple[tuple[str, Any], tuple[str, Any]] = (
        (("onnx", fp32), ("int8", OnnxMiniLmEmbedder(quantize_int8(where), cache_size=0)))
        if int8
        else (("torch", MiniLmEmbedder(cache_size=0)), ("onnx", fp32))
    )
    rows = {}
    for name, enc in pair:
        enc.embed_one("warm up")
        started = time.process_time()
        rows[name] = np.stack([enc.embed_one(t) for t in texts])
        cpu_ms = (time.process_time() - started) * 1000 / max(1, len(texts))
        typer.echo(f"{name:5s} one text at a time: {cpu_ms:.2f} ms CPU per text")
    (a, _), (b, _) = pair
    diff = float(np.abs(rows[a] - rows[b]).max())
    cosines = (rows[a] * rows[b]).sum(axis=1)
    cosine = float(cosines.min())
    typer.echo(
        f"{len(texts)} texts: max |{a} - {b}| {diff:.2e}, min cosine {cosine:.7f}, "
        f"mean cosine {float(cosines.mean()):.5f}"
    )
    if (cosine < INT8_MIN_COSINE) if int8 else (diff > EXPORT_TOLERANCE):
        raise typer.Exit(1)


def encoder_app() -> typer.Typer:
    """The ``switchboard encoder`` command group."""
    app = typer.Typer(help="The MiniLM sentence encoder's ONNX export.", no_args_is_help=True)
    app.command("export")(export)
    app.command("check")(check)
    return app
