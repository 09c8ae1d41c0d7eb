"""The ``switchboard`` command line (typer).

Commands::

    switchboard serve [--host 127.0.0.1 --port 8000]   HTTP API, WebSocket and web chat page
    switchboard chat [--locale en_GB]                  a conversation in the terminal (stdin)
    switchboard eval routes FILE [--locale en_GB]      first-turn routing of a CSV/JSONL file
    switchboard mcp [--locale en_GB]                   the banking tools as an MCP stdio server
    switchboard train                                  rebuild the embedded router model
    switchboard flow check FILE...                     validate contact flows (exit 1 on errors)
    switchboard flow run FILE --say "..." [--dtmf 2] [--at ISO]   play a contact through a flow
    switchboard users add NAME --role agent|supervisor|admin      add a staff user (password asked)
    switchboard users list | disable NAME | enable NAME           manage staff users
    switchboard keys|audit|purge|erase ...             privacy (see switchboard.privacy.commands)

Nothing is built at import time: the typer app is assembled by :func:`build_cli`
and every heavy import (FastAPI, uvicorn, the agent, torch) happens inside the
command that needs it. Settings come from :func:`switchboard.config.load_settings`
(environment variables ``SWITCHBOARD_*``).
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import logging
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TextIO

import typer

from switchboard.domain.types import Locale

if TYPE_CHECKING:
    from switchboard.agent.service import AgentService
    from switchboard.config import Settings
    from switchboard.domain.types import AgentReply

#: Exit code for bad usage or unreadable input (the shell/click convention).
EXIT_USAGE = 2
#: Words that end ``switchboard chat`` (case-insensitive), besides end of input.
QUIT_WORDS = frozenset({"quit", "exit", ":q"})
#: File suffixes ``eval routes`` reads as JSON Lines; everything else must be ``.csv``.
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})
#: Columns that may hold the expected route of an evaluation row (``a|b`` = either).
EXPECTED_COLUMNS = ("expected_route", "route")

LocaleOption = Annotated[
    Locale | None,
    typer.Option("--locale", "-l", help="en_GB, en_US or fr_FR (default: SWITCHBOARD_LOCALE)"),
]


class EvalInputError(Exception):
    """The evaluation file is missing, unreadable or lacks the ``text`` column."""


def _fail(message: str) -> typer.Exit:
    """Print ``message`` on stderr and return an exit with :data:`EXIT_USAGE`."""
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(EXIT_USAGE)


def _settings(**overrides: object) -> Settings:
    from pydantic import ValidationError

    from switchboard.config import load_settings

    try:
        return load_settings(**overrides)
    except ValidationError as exc:
        raise _fail(f"invalid settings: {exc}") from None


def _configure_logging(settings: Settings, *, level: str | None = None) -> None:
    """Configure logging through ``switchboard.audit`` (falls back to :mod:`logging`)."""
    chosen = level or settings.log_level
    try:
        from switchboard.audit import configure_logging
    except ImportError:  # the audit room may not ship configure_logging yet
        logging.basicConfig(level=chosen, stream=sys.stderr)
        return
    from switchboard.errors import ConfigError

    try:
        configure_logging(chosen, settings.log_json)
    except ConfigError as exc:
        raise _fail(exc.message) from None


# --- serve -------------------------------------------------------------------


def _print_dev_token(settings: Settings, base_url: str) -> None:
    """Print a development JWT for the voice sockets (only with the generated dev secret)."""
    if not settings.auth.enabled:
        typer.echo("voice sockets: auth disabled (SWITCHBOARD_AUTH__ENABLED=false)")
        return
    if settings.auth.jwt_secret is not None:
        typer.echo("voice sockets: JWT auth with the configured secret (no dev token printed)")
        return
    from switchboard.voice.transports.auth import issue_token

    token = issue_token(settings.auth, "dev")
    hours = settings.auth.dev_token_ttl_s // 3600
    typer.echo(f"voice page: {base_url}/voice#token={token}")
    typer.echo(f"dev token for the voice sockets ({hours} h; Authorization: Bearer ...): {token}")


def serve(
    host: Annotated[str | None, typer.Option(help="interface to bind (default 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="TCP port (default 8000)", min=0)] = None,
) -> None:
    """Run the HTTP API, the chat WebSocket and the web chat page with uvicorn."""
    from switchboard.api import create_app
    from switchboard.api.drain import run_server

    settings = _settings()
    _configure_logging(settings)
    bind_host = host or settings.host
    bind_port = settings.port if port is None else port
    shown = "localhost" if bind_host in {"0.0.0.0", "::"} else bind_host
    typer.echo(f"switchboard is starting on http://{shown}:{bind_port}/ (API docs at /docs)")
    _print_dev_token(settings, f"http://{shown}:{bind_port}")
    _ensure_dev_admin(settings)
    app = create_app(settings)
    run_server(  # SIGTERM: drain chat sockets (finish turns, flush, reconnect), then stop
        app,
        app.state.drain,
        freeze_heap=settings.gc_freeze,
        gc_young_threshold=settings.gc_young_threshold,
        host=bind_host,
        port=bind_port,
        log_config=None,
        # The sockets refuse frames over limits.max_voice_frame_bytes with an error frame and
        # keep the call; uvicorn closes (1009) only past 4x that, a memory backstop.
        ws_max_size=4 * settings.limits.max_voice_frame_bytes,
    )


# --- chat --------------------------------------------------------------------


def _describe(reply: AgentReply) -> str:
    tools = ", ".join(result.name for result in reply.tools) or "no tools"
    return f"[{reply.route.value} · {reply.action.value} · {tools}]"


async def _chat(settings: Settings, locale: Locale, details: bool, stdin: TextIO) -> None:
    from switchboard.compose import build_analytics, build_service
    from switchboard.domain.types import Channel, ContactStatus
    from switchboard.errors import InputError

    interactive = stdin.isatty()
    service = await build_service(settings)
    # Metrics, traces and the post-call summary (written when the chat ends).
    analytics = build_analytics(service, settings, start_sweeper=False)
    try:
        contact = await service.start_contact(channel=Channel.CLI, locale=locale)
        typer.echo(f"Agent: {service.greeting(locale)}")
        status = ContactStatus.RESOLVED
        while True:
            if interactive:
                typer.echo("You: ", nl=False)
            line = await asyncio.to_thread(stdin.readline)
            if not line:
                break
            text = line.strip()
            if not text:
                continue
            if text.lower() in QUIT_WORDS:
                break
            if not interactive:
                typer.echo(f"You: {text}")
            try:
                reply = await service.handle_turn(contact.contact_id, text)
            except InputError as exc:
                typer.secho(f"(not sent: {exc.message})", err=True, fg=typer.colors.YELLOW)
                continue
            typer.echo(f"Agent: {reply.text}")
            if details:
                typer.secho(_describe(reply), fg=typer.colors.BRIGHT_BLACK)
            if reply.handover is not None:
                status = ContactStatus.TRANSFERRED
                typer.secho(
                    f"--- transferred to a human agent (reason: {reply.handover.reason.value}) ---",
                    fg=typer.colors.YELLOW,
                )
        await service.end_contact(contact.contact_id, status)
        typer.echo(f"(chat ended: {status.value})")
    finally:
        await analytics.aclose()
        await service.aclose()


def chat(
    locale: LocaleOption = None,
    details: Annotated[
        bool, typer.Option("--details/--no-details", help="show route, action and tools")
    ] = False,
) -> None:
    """Talk to the agent in the terminal; reads lines until end of input or "quit"."""
    from switchboard.errors import SwitchboardError

    settings = _settings()
    _configure_logging(settings, level="WARNING")
    stdin = typer.get_text_stream("stdin")
    try:
        asyncio.run(_chat(settings, locale or settings.locale, details, stdin))
    except SwitchboardError as exc:
        typer.secho(f"error: {exc.message}", err=True, fg=typer.colors.RED)
        raise typer.Exit(1) from None


# --- eval routes ---------------------------------------------------------------


def read_utterances(path: Path) -> list[dict[str, str]]:
    """Read evaluation rows from a CSV (column ``text``) or JSONL (field ``text``) file.

    Returns:
        One dict per row, values as strings; ``text`` always present.
        Blank JSONL lines are skipped.

    Raises:
        EvalInputError: the file is missing or unreadable, has an unknown suffix,
            a JSONL line is not a JSON object, or ``text`` is missing.

    """
    if not path.is_file():
        raise EvalInputError(f"no such file: {path}")
    suffix = path.suffix.lower()
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            if suffix == ".csv":
                return _read_csv(handle, path)
            if suffix in JSONL_SUFFIXES:
                return _read_jsonl(handle, path)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise EvalInputError(f"cannot read {path}: {exc}") from None
    raise EvalInputError(f"{path}: unsupported file type {suffix!r} (use .csv or .jsonl)")


def _read_csv(handle: TextIO, path: Path) -> list[dict[str, str]]:
    reader = csv.DictReader(handle)
    columns = [name.strip() for name in reader.fieldnames or []]
    if "text" not in columns:
        found = ", ".join(columns) or "none"
        raise EvalInputError(f"{path} has no 'text' column (columns found: {found})")
    reader.fieldnames = columns
    return [{k: (v or "") for k, v in row.items() if k is not None} for row in reader]


def _read_jsonl(handle: TextIO, path: Path) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for number, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise EvalInputError(f"{path}:{number}: not valid JSON ({exc.msg})") from None
        if not isinstance(item, dict):
            raise EvalInputError(f"{path}:{number}: each line must be a JSON object")
        if not isinstance(item.get("text"), str):
            raise EvalInputError(f"{path}:{number}: missing string field 'text'")
        rows.append({k: v if isinstance(v, str) else json.dumps(v) for k, v in item.items()})
    return rows


def percentile(values: Sequence[float], q: float) -> float:
    """Return the ``q``-th percentile (0–100, linear interpolation) of ``values``; 0.0 if empty."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100.0
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _expected(row: dict[str, str]) -> set[str] | None:
    for column in EXPECTED_COLUMNS:
        value = row.get(column, "").strip()
        if value:
            return {part.strip() for part in value.split("|") if part.strip()}
    return None


async def _eval_one(service: AgentService, row: dict[str, str], locale: Locale) -> dict[str, Any]:
    from switchboard.domain.types import Channel
    from switchboard.errors import SwitchboardError

    text = row["text"]
    wanted = row.get("locale", "")
    row_locale = Locale(wanted) if wanted in {item.value for item in Locale} else locale
    result: dict[str, Any] = {"text": text}
    started = time.perf_counter()
    try:
        contact = await service.start_contact(channel=Channel.CLI, locale=row_locale)
        reply = await service.handle_turn(contact.contact_id, text)
    except SwitchboardError as exc:
        result.update(route=None, action=None, tools=[], handover_reason=None, error=exc.code)
    else:
        result.update(
            route=reply.route.value,
            action=reply.action.value,
            tools=[tool.name for tool in reply.tools],
            handover_reason=reply.handover.reason.value if reply.handover else None,
        )
    result["latency_ms"] = round((time.perf_counter() - started) * 1000.0, 1)
    if row.get("source"):
        result["source"] = row["source"]
    expected = _expected(row)
    if expected is not None:
        result["expected_route"] = "|".join(sorted(expected))
        result["correct"] = result["route"] in expected
    return result


def summarise(results: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Summarise ``eval routes`` results.

    Returns:
        ``{"utterances", "errors", "routes": {route: n}, "actions": {action: n},
        "latency_ms": {"p50", "p95", "max"}}`` plus ``"accuracy"`` (0–1) and
        ``"labelled"`` when rows carried an expected route.

    """
    latencies = [float(r["latency_ms"]) for r in results]
    summary: dict[str, Any] = {
        "utterances": len(results),
        "errors": sum(1 for r in results if r.get("error")),
        "routes": dict(Counter(str(r["route"] or "error") for r in results).most_common()),
        "actions": dict(Counter(str(r["action"] or "error") for r in results).most_common()),
        "latency_ms": {
            "p50": round(percentile(latencies, 50), 1),
            "p95": round(percentile(latencies, 95), 1),
            "max": round(max(latencies, default=0.0), 1),
        },
    }
    labelled = [r for r in results if "correct" in r]
    if labelled:
        summary["labelled"] = len(labelled)
        summary["accuracy"] = round(sum(1 for r in labelled if r["correct"]) / len(labelled), 4)
        from switchboard.evals.routes import route_safety

        summary["route_safety"] = route_safety(results)
    return summary


@contextmanager
def _eval_settings(base: Settings) -> Iterator[Settings]:
    """Yield ``base`` with a throw-away SQLite database (eval contacts never reach var/)."""
    with tempfile.TemporaryDirectory(prefix="switchboard-eval-") as tmp:
        yield base.model_copy(update={"database_url": f"sqlite:///{Path(tmp) / 'eval.db'}"})


async def _eval_routes(
    settings: Settings, rows: list[dict[str, str]], locale: Locale, out: TextIO
) -> list[dict[str, Any]]:
    from tqdm import tqdm

    from switchboard.compose import build_service

    service = await build_service(settings)
    results: list[dict[str, Any]] = []
    try:
        for row in tqdm(rows, desc="eval routes", unit="utt", file=sys.stderr, leave=False):
            result = await _eval_one(service, row, locale)
            results.append(result)
            out.write(json.dumps(result, ensure_ascii=False) + "\n")
            out.flush()
    finally:
        await service.aclose()
    return results


def eval_routes(
    file: Annotated[Path, typer.Argument(help="CSV with a 'text' column or JSONL with 'text'")],
    locale: LocaleOption = None,
    summary_only: Annotated[
        bool,
        typer.Option(
            "--summary",
            help="only the summary (route-safety table + JSON) on stdout, no per-line results",
        ),
    ] = False,
) -> None:
    """Route each utterance as the first turn of a fresh contact; one JSON line each on stdout.

    Fields: text, route, action, tools, handover_reason, latency_ms (plus
    expected_route/correct when the file has an ``expected_route`` or ``route``
    column, and ``source`` when it has one). A summary (counts per route/action,
    p50/p95 latency, and for labelled rows the route-safety figures of
    :mod:`switchboard.evals.routes`: handover recall, tool answers to rows that
    need a human, off-topic declined, per source) goes to stderr, or alone to
    stdout with ``--summary``. Exit code 2 for a missing file or a missing
    ``text`` column.
    """
    from switchboard.errors import SwitchboardError

    try:
        rows = read_utterances(file)
    except EvalInputError as exc:
        raise _fail(str(exc)) from None
    base = _settings()
    _configure_logging(base, level="WARNING")
    stdout = typer.get_text_stream("stdout")
    lines_out: TextIO = io.StringIO() if summary_only else stdout
    try:
        with _eval_settings(base) as settings:
            results = asyncio.run(_eval_routes(settings, rows, locale or base.locale, lines_out))
    except SwitchboardError as exc:
        typer.secho(f"error: {exc.message}", err=True, fg=typer.colors.RED)
        raise typer.Exit(1) from None
    summary = summarise(results)
    if summary_only:
        from switchboard.evals.routes import format_route_safety

        if summary.get("route_safety"):
            typer.echo(format_route_safety(summary["route_safety"]))
        typer.echo(json.dumps({"summary": summary}, indent=2))
    else:
        typer.echo(json.dumps({"summary": summary}, indent=2), err=True)


def eval_answers(
    files: Annotated[list[Path], typer.Argument(help="answer evaluation JSONL files")],
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
    failures: Annotated[
        bool, typer.Option("--failures", help="also list the lines that failed")
    ] = False,
) -> None:
    """Score the agent on answer evaluation files (data/eval/*/LOCALE.jsonl), per locale.

    Prints answered-correctly, clarified, needless-handover, handover-recall,
    unsafe-answer and off-topic-declined rates (rules in
    :mod:`switchboard.evals.answers`). Exit code 2 for a missing or malformed file.
    """
    from switchboard.errors import SwitchboardError
    from switchboard.evals.answers import (
        EvalSetError,
        format_table,
        read_cases,
        run_cases,
        summarise,
    )

    try:
        cases = read_cases(files)
    except EvalSetError as exc:
        raise _fail(str(exc)) from None
    base = _settings()
    _configure_logging(base, level="ERROR")

    async def _run(settings: Settings) -> list[Any]:
        from switchboard.compose import build_service

        service = await build_service(settings)
        try:
            return await run_cases(service, cases)
        finally:
            await service.aclose()

    try:
        with _eval_settings(base) as settings:
            results = asyncio.run(_run(settings))
    except SwitchboardError as exc:
        typer.secho(f"error: {exc.message}", err=True, fg=typer.colors.RED)
        raise typer.Exit(1) from None
    summary = summarise(results)
    failed = [
        {"id": r.case.id, "text": r.case.text, "action": r.action, "tools": r.tools,
         "missing": r.missing, "reply": r.text}
        for r in results
        if not r.ok
    ]
    if as_json:
        payload: dict[str, Any] = {"summary": summary}
        if failures:
            payload["failures"] = failed
        typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    if failures:
        for row in failed:
            typer.echo(json.dumps(row, ensure_ascii=False))
    typer.echo(format_table(summary))


# --- mcp and train -------------------------------------------------------------


def mcp(locale: LocaleOption = None) -> None:
    """Serve the banking tools over MCP stdio (for Claude Desktop, MCP Inspector...)."""
    from switchboard.tools.server import run_stdio

    settings = _settings()
    run_stdio(locale or settings.locale)


def train() -> None:
    """Train the embedded routers (English MiniLM, multilingual USE); print their reports."""
    from switchboard.brains.local.training import train as train_router
    from switchboard.errors import SwitchboardError

    settings = _settings()
    _configure_logging(settings, level="WARNING")
    try:
        reports = train_router(settings.router, progress=True)
    except SwitchboardError as exc:
        typer.secho(f"error: {exc.message}", err=True, fg=typer.colors.RED)
        raise typer.Exit(1) from None
    for report in reports:
        typer.echo(report.model_dump_json(indent=2))


def call(
    file: Annotated[Path, typer.Argument(help="16-bit PCM WAV of the caller (any rate)")],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="output directory (default var/calls/NAME)")
    ] = None,
    locale: LocaleOption = None,
    fast: Annotated[
        bool, typer.Option("--fast", help="feed audio as fast as possible, not in real time")
    ] = False,
) -> None:
    """Play a recorded caller through the phone path (8 kHz μ-law, real time).

    Writes transcript.json, reply.wav and timings.json, and prints per-turn timings.
    """
    from switchboard.compose import build_service
    from switchboard.errors import SwitchboardError
    from switchboard.voice.callfile import run_call_file

    if not file.is_file():
        raise _fail(f"no such file: {file}")
    settings = _settings()
    _configure_logging(settings, level="WARNING")
    out_dir = out or Path("var") / "calls" / file.stem
    try:
        summary = asyncio.run(
            run_call_file(
                settings, file, out_dir, open_service=build_service, locale=locale,
                realtime=not fast,
            )
        )
    except SwitchboardError as exc:
        typer.secho(f"error: {exc.message}", err=True, fg=typer.colors.RED)
        raise typer.Exit(1) from None
    typer.echo(f"contact {summary['contact_id']} ended: {summary['ended']}")
    typer.echo("turn  end_of_speech  transcript  reply_text  first_audio  v2v_ms  transcript")
    for t in summary["turns"]:
        typer.echo(
            f"{t['turn']:>4}  {t['speech_end_ms']:>13}  {t['transcript_ready_ms']!s:>10}  "
            f"{t['reply_ready_ms']!s:>10}  {t['first_audio_ms']!s:>11}  "
            f"{t['voice_to_voice_ms']!s:>6}  {t['transcript']}"
        )
    typer.echo(f"written to {out_dir}/ (transcript.json, reply.wav, timings.json)")


# --- users (issue 13) -------------------------------------------------------------


def _directory(settings: Settings) -> Any:
    """The ``users`` table on the store's database."""
    from switchboard.errors import SwitchboardError
    from switchboard.identity import UserDirectory
    from switchboard.store.sql import SqlStore

    try:
        return UserDirectory(SqlStore(settings.database_url).engine)
    except SwitchboardError as exc:
        raise _fail(exc.message) from None


def _ensure_dev_admin(settings: Settings) -> None:
    """Create the ``admin`` user with a random password when no admin exists; print it once."""
    import secrets

    from switchboard.identity import Role

    if not settings.identity.dev_admin:
        return
    users = _directory(settings)
    if users.count(Role.ADMIN):
        typer.echo("staff sign-in: /agent and /supervisor (users: `switchboard users list`)")
        return
    if users.get("admin") is not None:
        typer.echo("no enabled admin: `switchboard users enable admin` or `users add`")
        return
    from switchboard.identity.errors import UserExistsError

    password = secrets.token_urlsafe(12)
    try:
        users.add("admin", Role.ADMIN, password)
    except UserExistsError:  # another replica starting at the same time made it first
        typer.echo("staff sign-in: /agent and /supervisor (the dev admin was just created)")
        return
    typer.echo(f"dev admin created — user: admin  password: {password}  (shown once)")


def users_add(
    username: Annotated[str, typer.Argument(help="user name (also the desk agent's name)")],
    role: Annotated[str, typer.Option(help="agent | supervisor | admin")] = "agent",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="read the password from stdin")
    ] = False,
) -> None:
    """Add a staff user; the password is asked for (or read from stdin)."""
    from switchboard.errors import InputError

    settings = _settings()
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    try:
        user = _directory(settings).add(username, role, password)
    except InputError as exc:
        raise _fail(exc.message) from None
    typer.echo(f"added {user.username} ({user.role.value})")


def users_list(
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per line")] = False,
) -> None:
    """List the staff users (never their hashes)."""
    for user in _directory(_settings()).list():
        if as_json:
            typer.echo(user.model_dump_json())
        else:
            state = "disabled" if user.disabled else "enabled"
            typer.echo(f"{user.username}\t{user.role.value}\t{state}")


def _set_disabled(username: str, disabled: bool) -> None:
    from switchboard.errors import InputError

    try:
        user = _directory(_settings()).set_disabled(username, disabled)
    except InputError as exc:
        raise _fail(exc.message) from None
    typer.echo(f"{user.username}: {'disabled' if user.disabled else 'enabled'}")


def users_disable(username: Annotated[str, typer.Argument(help="user name")]) -> None:
    """Disable a user: sign-in and their tokens stop working at once."""
    _set_disabled(username, True)


def users_enable(username: Annotated[str, typer.Argument(help="user name")]) -> None:
    """Enable a disabled user again."""
    _set_disabled(username, False)


def users_app() -> typer.Typer:
    """The ``switchboard users`` group."""
    group = typer.Typer(
        help="Manage staff users (agents, supervisors, admins).", no_args_is_help=True
    )
    group.command("add")(users_add)
    group.command("list")(users_list)
    group.command("disable")(users_disable)
    group.command("enable")(users_enable)
    return group


# --- assembly ------------------------------------------------------------------


# -- db: Alembic migrations (issue 14; docs/migrations.md) --------------------------------

UrlOption = Annotated[
    str | None, typer.Option("--url", help="database URL (default: SWITCHBOARD_DATABASE_URL)")
]


def db_upgrade(
    url: UrlOption = None,
    revision: Annotated[str, typer.Option(help="target revision")] = "head",
) -> None:
    """Upgrade the database to the newest migration (a 0.1.0 database is stamped first)."""
    from switchboard.errors import SwitchboardError
    from switchboard.store.migrate import upgrade_url

    target = url or _settings().database_url
    try:
        reached = upgrade_url(target, revision)
    except SwitchboardError as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"database at revision {reached}")


def db_current(url: UrlOption = None) -> None:
    """Print the database's revision and the newest one."""
    from switchboard.store.migrate import current_revision, head_revision
    from switchboard.store.sql import SqlStore

    store = SqlStore(url or _settings().database_url, create_schema=False)
    try:
        typer.echo(f"current: {current_revision(store.engine)}  head: {head_revision()}")
    finally:
        store.close()


def db_revision(
    message: Annotated[str, typer.Option("-m", "--message", help="what the migration does")],
    url: UrlOption = None,
) -> None:
    """Autogenerate a migration from the models against a database at head (review it!)."""
    from switchboard.compose import schema_metadata
    from switchboard.store.migrate import revision

    revision(url or _settings().database_url, message, schema_metadata())


def db_app() -> typer.Typer:
    """The ``switchboard db`` commands."""
    app = typer.Typer(help="Database migrations (Alembic).", no_args_is_help=True)
    app.command("upgrade")(db_upgrade)
    app.command("current")(db_current)
    app.command("revision")(db_revision)
    return app


def build_cli() -> typer.Typer:
    """Assemble the typer app (``switchboard``) with every command."""
    app = typer.Typer(
        name="switchboard",
        help="switchboard: an AI contact-center agent (grounded banking answers, handover).",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )
    app.command()(serve)
    app.command()(chat)
    app.command()(mcp)
    app.command()(train)
    app.command()(call)
    eval_app = typer.Typer(help="Evaluate the agent on data files.", no_args_is_help=True)
    eval_app.command("routes")(eval_routes)
    eval_app.command("answers")(eval_answers)
    app.add_typer(eval_app, name="eval")
    from switchboard.contactflow.commands import flow_app

    app.add_typer(flow_app(), name="flow")
    app.add_typer(users_app(), name="users")
    app.add_typer(db_app(), name="db")
    from switchboard.brains.commands import encoder_app

    app.add_typer(encoder_app(), name="encoder")
    from switchboard.privacy.commands import register as register_privacy

    register_privacy(app)  # keys, audit, purge, erase
    return app


def main() -> None:
    """Entry point of the ``switchboard`` console script."""
    build_cli()()


if __name__ == "__main__":
    main()
