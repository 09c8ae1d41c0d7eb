"""``switchboard encoder export`` and ``switchboard encoder check``.

``export`` writes the ONNX graph of the installed all-MiniLM-L6-v2 into
``SWITCHBOARD_ROUTER__ONNX_DIR`` (``var/models`` by default) — run at install
time (``make run``/``make test``, the Dockerfile) so no replica pays the ~5 s
export on its first start. ``check`` embeds texts with both runtimes and prints
the largest difference and the CPU per text of each (exit 1 past the tolerance).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

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
    """Export the installed MiniLM to ONNX (offline) and check it against torch."""
    from switchboard.brains.local.onnx_encoder import SIDECAR_FILE, export_onnx
    from switchboard.errors import RouterModelError

    where = _onnx_dir(onnx_dir)
    try:
        path = export_onnx(where, force=force)
    except RouterModelError as exc:
        typer.secho(f"error: {exc}", err=True, fg=typer.colors.RED)
        raise typer.Exit(1) from None
    typer.echo(f"{path}\n{(where / SIDECAR_FILE).read_text().strip()}")


def check(
    files: Annotated[
        list[Path], typer.Argument(help="JSONL files with a 'text' field (default: shipped data)")
    ] = [],  # noqa: B006 - typer reads the default, never mutates it
    limit: Annotated[int, typer.Option(help="texts to compare")] = 1000,
    onnx_dir: DirOption = None,
) -> None:
    """Embed texts with torch and ONNX Runtime; print max |Δ|, min cosine and CPU ms/text."""
    import json

    import numpy as np

    from switchboard.brains.local.embedder import MiniLmEmbedder
    from switchboard.brains.local.onnx_encoder import (
        EXPORT_TOLERANCE,
        OnnxMiniLmEmbedder,
        export_onnx,
    )
    from switchboard.config import load_settings

    paths = files or sorted(load_settings().router.training_dir.glob("*.jsonl"))
    texts: list[str] = []
    for path in paths:
        with path.open(encoding="utf-8") as fh:
            texts += [json.loads(line)["text"] for line in fh if line.strip()]
    texts = texts[:limit]
    torch_enc = MiniLmEmbedder(cache_size=0)
    onnx_enc = OnnxMiniLmEmbedder(export_onnx(_onnx_dir(onnx_dir)), cache_size=0)
    rows = {}
    for name, enc in (("torch", torch_enc), ("onnx", onnx_enc)):
        enc.embed_one("warm up")
        started = time.process_time()
        rows[name] = np.stack([enc.embed_one(t) for t in texts])
        cpu_ms = (time.process_time() - started) * 1000 / max(1, len(texts))
        typer.echo(f"{name:5s} one text at a time: {cpu_ms:.2f} ms CPU per text")
    diff = float(np.abs(rows["torch"] - rows["onnx"]).max())
    cosine = float((rows["torch"] * rows["onnx"]).sum(axis=1).min())
    typer.echo(f"{len(texts)} texts: max |torch - onnx| {diff:.2e}, min cosine {cosine:.7f}")
    if diff > EXPORT_TOLERANCE:
        raise typer.Exit(1)


def encoder_app() -> typer.Typer:
    """The ``switchboard encoder`` command group."""
    app = typer.Typer(help="The MiniLM sentence encoder's ONNX export.", no_args_is_help=True)
    app.command("export")(export)
    app.command("check")(check)
    return app
