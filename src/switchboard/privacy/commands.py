"""CLI groups of the privacy room: ``keys``, ``audit``, ``purge`` and ``erase``.

Commands::

    switchboard keys list                        KEK ids (current marked) and rows per key
    switchboard keys rotate                      new KEK for new writes (local keyring file)
    switchboard keys rewrap                      move every sealed value to the current KEK
    switchboard keys retire KEY_ID               drop an old KEK (refused while rows use it)
    switchboard purge                            delete what is past its retention period
    switchboard erase --customer +447700900123   erase one customer everywhere
    switchboard erase --contact ID               erase one contact everywhere
    switchboard audit verify [--contact ID]      check the hash chains and the anchors
    switchboard audit anchor                     write a signed anchor of the chain heads

Each prints one JSON document on stdout; ``audit verify`` exits 1 when
anything fails, every command exits 2 on bad usage or settings.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from switchboard.config import Settings
    from switchboard.privacy.service import PrivacyService
    from switchboard.store.sql import SqlStore

EXIT_USAGE = 2


def _fail(message: str) -> typer.Exit:
    """Print ``message`` on stderr; return the usage exit."""
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(EXIT_USAGE)


def _settings() -> Settings:
    """Settings from the environment (exit 2 when malformed)."""
    from pydantic import ValidationError

    from switchboard.config import load_settings

    try:
        return load_settings()
    except ValidationError as exc:
        raise _fail(f"invalid settings: {exc}") from None


def _store(settings: Settings) -> SqlStore:
    """The store of the settings (sealed columns, index key)."""
    from switchboard.errors import SwitchboardError
    from switchboard.store.sql import create_store

    try:
        return create_store(settings)
    except SwitchboardError as exc:
        raise _fail(exc.message) from None


def _service(settings: Settings) -> PrivacyService:
    """The privacy service over the settings' store."""
    from switchboard.privacy.service import PrivacyService

    return PrivacyService(settings, _store(settings))


def _echo(document: Any) -> None:
    """Print one JSON document."""
    typer.echo(json.dumps(document, indent=2, sort_keys=True, default=str))


# -- keys ------------------------------------------------------------------------


def keys_list() -> None:
    """List the KEK ids, the current one, and how many sealed rows each wraps."""
    from sqlalchemy import text

    from switchboard.crypto import build_wrapper, is_sealed_text, key_id_of

    settings = _settings()
    wrapper = build_wrapper(settings.crypto)
    store = _store(settings)
    counts: dict[str, int] = {}
    with store.engine.connect() as conn:
        for value in conn.execute(text("SELECT content FROM messages")).scalars():
            if is_sealed_text(value):
                counts[key_id_of(value)] = counts.get(key_id_of(value), 0) + 1
    ids = getattr(wrapper, "key_ids", [wrapper.current_key_id])
    _echo({"current": wrapper.current_key_id, "keys": ids, "messages_per_key": counts})


def keys_rotate() -> None:
    """Add a KEK to the local keyring file and make it current (new writes use it)."""
    from switchboard.crypto import LocalKeyring, build_wrapper

    settings = _settings()
    wrapper = build_wrapper(settings.crypto)
    if not isinstance(wrapper, LocalKeyring) or wrapper.path is None:
        raise _fail(
            "rotate works on the local keyring file; for KMS set crypto.kms_key_id to the new "
            "key, and for a keyring given in settings add a key there, then run keys rewrap"
        )
    old = wrapper.current_key_id
    new = wrapper.rotate()
    _echo({"previous": old, "current": new, "keyring": str(wrapper.path)})


def keys_rewrap() -> None:
    """Re-wrap every sealed value (store and callbacks) under the current KEK."""
    from switchboard.routing.store import RoutingStore
    from switchboard.store.privacy import rewrap_store

    settings = _settings()
    store = _store(settings)
    done = rewrap_store(store)
    done["routing_callbacks.customer_phone"] = RoutingStore.for_store(store).rewrap_callbacks()
    _echo({"rewrapped": done})


def keys_retire(key_id: Annotated[str, typer.Argument(help="the KEK id to drop")]) -> None:
    """Remove an old KEK from the keyring file (run ``keys rewrap`` first)."""
    from switchboard.crypto import LocalKeyring, build_wrapper
    from switchboard.crypto.envelope import CryptoError

    settings = _settings()
    wrapper = build_wrapper(settings.crypto)
    if not isinstance(wrapper, LocalKeyring):
        raise _fail("retire works on the local keyring only")
    try:
        wrapper.retire(key_id)
    except CryptoError as exc:
        raise _fail(exc.message) from None
    _echo({"retired": key_id, "keys": wrapper.key_ids})


def keys_app() -> typer.Typer:
    """The ``keys`` group."""
    app = typer.Typer(help="Encryption keys: list, rotate, rewrap, retire.", no_args_is_help=True)
    app.command("list")(keys_list)
    app.command("rotate")(keys_rotate)
    app.command("rewrap")(keys_rewrap)
    app.command("retire")(keys_retire)
    return app


# -- retention, erasure, audit ---------------------------------------------------------


def purge() -> None:
    """Delete contacts, summaries, recordings and logs past their retention period."""
    report = _service(_settings()).purge()
    _echo(report.model_dump())


def erase(
    customer: Annotated[
        str | None, typer.Option("--customer", help="the customer's phone number or address")
    ] = None,
    contact: Annotated[str | None, typer.Option("--contact", help="one contact id")] = None,
) -> None:
    """Erase one customer's (or one contact's) data everywhere; the audit chain still verifies."""
    from switchboard.errors import InputError

    try:
        report = _service(_settings()).erase(customer=customer, contact_id=contact)
    except InputError as exc:
        raise _fail(exc.message) from None
    _echo(report.model_dump())


def audit_verify(
    contact: Annotated[str | None, typer.Option("--contact", help="check one contact")] = None,
) -> None:
    """Check every hash chain and the signed anchors; exit 1 on any failure."""
    report = _service(_settings()).verify(contact)
    _echo(report.model_dump())
    if not report.ok:
        raise typer.Exit(1)


def audit_anchor() -> None:
    """Write a signed anchor of the chain heads that changed since the last one."""
    _echo({"anchored_contacts": _service(_settings()).anchor()})


def audit_app() -> typer.Typer:
    """The ``audit`` group."""
    app = typer.Typer(help="Audit trail: verify chains and anchors.", no_args_is_help=True)
    app.command("verify")(audit_verify)
    app.command("anchor")(audit_anchor)
    return app


def register(app: typer.Typer) -> None:
    """Add the privacy commands to the ``switchboard`` app."""
    app.add_typer(keys_app(), name="keys")
    app.add_typer(audit_app(), name="audit")
    app.command()(purge)
    app.command()(erase)
