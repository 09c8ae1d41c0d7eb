"""``switchboard flow check`` and ``switchboard flow run``.

``check`` validates flow JSON files and exits 1 when any has an error finding.
``run`` plays one scripted contact through a flow: our agent is the Lex bot,
the routing engine (on a fresh SQLite database unless ``--db`` is given) holds
the queues, and every step is printed. Flows in the same directory as FILE
form the library, so the ``CustomerQueue`` hook and ``TransferToFlow`` find
their flows by name (``Metadata.name`` or file stem).
"""

from __future__ import annotations

import asyncio
import tempfile
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from switchboard.contactflow.interpreter import RunResult
    from switchboard.contactflow.model import FlowDocument

#: Caller ID used when ``--caller`` is not given (Ofcom's drama range, never a real line).
DEFAULT_CALLER = "+447700900123"

FLOW_BINDINGS = {
    "customer_queue_flow_arn": "switchboard-customer-queue",
    "callback_flow_arn": "switchboard-callback",
    "queue_status_lambda_arn": "switchboard-queue-status",
    "hold_music_prompt_arn": "hold-music",
}
"""``${name}`` placeholders of the flows in ``flows/`` → names in the flow library."""


def check(
    files: Annotated[list[Path], typer.Argument(help="flow JSON files", exists=False)],
) -> None:
    """Validate flow files; print every finding; exit 1 when any file has an error."""
    from switchboard.contactflow.validator import check_file, has_errors

    failed = 0
    for path in files:
        findings = check_file(path)
        for finding in findings:
            typer.echo(finding.render(str(path)))
        errors = sum(1 for f in findings if f.severity.value == "error")
        typer.echo(f"{path}: {errors} error(s), {len(findings) - errors} warning(s)")
        failed += has_errors(findings)
    if failed:
        raise typer.Exit(1)


def load_library(directory: Path) -> dict[str, FlowDocument]:
    """Every parseable flow in ``directory`` by ``Metadata.name`` and by file stem."""
    from switchboard.contactflow.model import load_flow
    from switchboard.errors import FlowDocumentError

    library: dict[str, FlowDocument] = {}
    for path in sorted(directory.glob("*.json")):
        try:
            doc = load_flow(path)
        except FlowDocumentError:
            continue
        library[path.stem] = doc
        if doc.name:
            library[doc.name] = doc
    return library


def render(result: RunResult) -> list[str]:
    """The lines ``flow run`` prints after the steps: transcript-free outcome summary."""
    lines = [f"outcome: {result.outcome.value}"]
    if result.queue:
        lines.append(f"queue: {result.queue}")
    if result.position is not None:
        lines.append(f"position: {result.position}  EWT: {result.ewt_s or 0:.0f} s")
    if result.callback_id:
        due = result.callback_due.isoformat(timespec="minutes") if result.callback_due else "?"
        lines.append(f"callback: {result.callback_id} due {due}")
    if result.reason:
        lines.append(f"reason: {result.reason}")
    summary = result.attributes.get("conversation_summary")
    lines.append(f"conversation_summary attached: {'yes' if summary else 'no'}")
    if summary:
        lines.append(f"  {summary}")
    return lines


async def _run(
    path: Path,
    say: list[str],
    dtmf: list[str],
    at: datetime | None,
    caller: str,
    hours: str | None,
    db: str,
) -> RunResult:
    from switchboard.compose import build_service
    from switchboard.config import load_settings
    from switchboard.contactflow.interpreter import FlowRunner
    from switchboard.contactflow.model import load_flow
    from switchboard.contactflow.players import AgentBot, Caller
    from switchboard.domain.types import Channel
    from switchboard.routing.engine import RoutingEngine, queues_from_settings
    from switchboard.routing.store import RoutingStore

    settings = load_settings(database_url=db)
    if hours:
        settings.routing.hours = hours
    flow = load_flow(path)
    service = await build_service(settings)
    try:
        engine = RoutingEngine(
            RoutingStore.for_store(service.conversation.store),
            queues_from_settings(settings.routing),
        )
        runner = FlowRunner(
            load_library(path.parent),
            bot=AgentBot(service),
            queues=engine,
            bindings=FLOW_BINDINGS,
        )
        script = Caller(say=list(say), dtmf=list(dtmf), phone=caller, channel=Channel.VOICE)
        return await runner.run(flow, script, at=at)
    finally:
        await service.aclose()


def run(
    file: Annotated[Path, typer.Argument(help="the inbound flow JSON")],
    say: Annotated[
        list[str] | None, typer.Option("--say", help="what the caller says to the bot (repeat)")
    ] = None,
    dtmf: Annotated[
        list[str] | None, typer.Option("--dtmf", help="keys the caller presses (repeat)")
    ] = None,
    at: Annotated[
        str | None,
        typer.Option("--at", help="contact start, ISO 8601 with zone (default: now)"),
    ] = None,
    caller: Annotated[str, typer.Option("--caller", help="caller ID, E.164")] = DEFAULT_CALLER,
    hours: Annotated[
        str | None,
        typer.Option("--hours", help="queue hours: 'always' or 'weekdays HH:MM-HH:MM'"),
    ] = None,
    db: Annotated[
        str | None, typer.Option("--db", help="SQLAlchemy URL (default: a fresh SQLite file)")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="run even when flow check finds errors")
    ] = False,
) -> None:
    """Play one scripted contact through FILE and print each step and the outcome.

    Refuses (exit 1) a flow with error findings unless ``--force``; exits 1 when a
    caller who needed an agent ends neither queued nor called back.
    """
    from switchboard.contactflow.validator import check_file, has_errors
    from switchboard.errors import SwitchboardError

    findings = check_file(file)
    if has_errors(findings) and not force:
        for finding in findings:
            typer.echo(finding.render(str(file)))
        typer.secho(
            f"error: {file} does not pass flow check (use --force to run it anyway)",
            err=True,
            fg=typer.colors.RED,
        )
        raise typer.Exit(1)

    when: datetime | None = None
    if at:
        try:
            when = datetime.fromisoformat(at)
        except ValueError:
            raise _usage(f"--at {at!r} is not ISO 8601") from None
        if when.tzinfo is None:
            raise _usage("--at needs a time zone, e.g. 2026-11-23T22:00:00+00:00")
    with tempfile.TemporaryDirectory(prefix="switchboard-flow-") as tmp:
        url = db or f"sqlite:///{Path(tmp) / 'flow-run.db'}"
        try:
            result = asyncio.run(_run(file, say or [], dtmf or [], when, caller, hours, url))
        except SwitchboardError as exc:
            typer.secho(f"error: {exc.message}", err=True, fg=typer.colors.RED)
            raise typer.Exit(1) from None
    for step in result.steps:
        typer.echo(step.render())
    for line in render(result):
        typer.echo(line)
    if result.customer_lost:
        typer.secho(
            "CUSTOMER LOST: the caller needed an agent and was neither queued nor called back",
            err=True,
            fg=typer.colors.RED,
        )
        raise typer.Exit(1)


def _usage(message: str) -> typer.Exit:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(2)


def flow_app() -> typer.Typer:
    """The ``flow`` command group."""
    app = typer.Typer(help="Amazon Connect contact flows: check and run.", no_args_is_help=True)
    app.command("check")(check)
    app.command("run")(run)
    return app
