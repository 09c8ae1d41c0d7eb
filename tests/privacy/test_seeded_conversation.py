"""Issue 13 acceptance: a conversation full of PII leaves none of it in clear anywhere written.

One real service (composition root: router, MCP tools, SQLite with encryption
at rest, audit sink, in-process transcript stream, live sentiment, metrics,
post-call summaries to a directory and to S3 on moto) plays one contact per
locale (en_GB, en_US, fr_FR). Each customer gives a PIN, CVV, card number,
sort code (or routing number) and account number, name, street address,
date of birth, e-mail and phone, asks for a human and the contact ends.
Then every place the product wrote to is read back and searched:

* the database: raw rows (ciphertext) and every row decrypted through the store;
* the JSON log lines (the product's own logging configuration);
* every segment published on the transcript stream;
* the post-call summary files and the S3 summary objects;
* the Prometheus metrics text (labels).

The bot also warns each customer that their PIN was removed.
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from sqlalchemy import text

from switchboard.config import Settings, SummarySettings
from switchboard.domain.types import Locale

pytestmark = pytest.mark.slow

BUCKET = "sb-i13-privacy-summaries"

# (locale, customer lines, secrets that must never be written in clear)
SCRIPTS: list[tuple[Locale, list[str], list[str]]] = [
    (
        Locale.EN_GB,
        [
            "Hello, I'm Jo Bloggs of 12 Acacia Avenue, born 03/04/1985.",
            "My card number is 4111 1111 1111 1111 and my PIN is 7391, the CVV is 739.",
            "My sort code is 20-00-00 and account number 55779911.",
            "Email me at jo.bloggs@example.co.uk or phone 07700 900123.",
            "I want to speak to a human please",
        ],
        [
            "Jo Bloggs",
            "Bloggs",
            "Acacia",
            "03/04/1985",
            "4111 1111 1111 1111",
            "4111111111111111",
            "7391",
            "739",
            "20-00-00",
            "55779911",
            "jo.bloggs@example.co.uk",
            "07700 900123",
            "7700900123",
        ],
    ),
    (
        Locale.EN_US,
        [
            "Hi, my name is Sam Carter, I live at 1600 Pennsylvania Avenue, DOB: March 4, 1985.",
            "Card 5500 0000 0000 0004, pin 9862, cvv 318.",
            "Routing number 021000021 and account 000123456789.",
            "Reach me at sam.carter@example.com or +1 415 867 5309.",
            "Let me talk to an agent",
        ],
        [
            "Sam Carter",
            "Carter",
            "Pennsylvania",
            "March 4, 1985",
            "5500 0000 0000 0004",
            "5500000000000004",
            "9862",
            "318",
            "021000021",
            "000123456789",
            "sam.carter@example.com",
            "415 867 5309",
            "4158675309",
        ],
    ),
    (
        Locale.FR_FR,
        [
            "Bonjour, je m'appelle Marie Dupont, j'habite au 12 rue de la Paix, "
            "née le 3 avril 1985.",
            "Ma carte est 4111-1111-1111-1111, mon code secret est 5274 et le cryptogramme 846.",
            "Mon code guichet est 12345 et mon numéro de compte est 12345678901.",
            "Écrivez-moi à marie.dupont@example.fr ou au 06 12 34 56 78.",
            "Je veux parler à un conseiller",
        ],
        [
            "Marie Dupont",
            "Dupont",
            "rue de la Paix",
            "3 avril 1985",
            "4111-1111-1111-1111",
            "5274",
            "846",
            "12345678901",
            "marie.dupont@example.fr",
            "06 12 34 56 78",
            "0612345678",
        ],
    ),
]


def _leaks(haystack: str, secrets: list[str]) -> list[str]:
    """The secrets found in ``haystack``, each with 40 characters of context.

    A number counts where it stands alone: not inside a word, hex id, base64
    ciphertext, UUID or decimal (a 3-digit CVV occurs by chance in random base64).
    """
    found = []
    for secret in secrets:
        if secret.isdigit():
            pattern = rf"(?<![\w+/=\-.]){re.escape(secret)}(?![\w+/=\-]|\.\d)"
        else:
            pattern = re.escape(secret)
        for match in re.finditer(pattern, haystack, flags=re.IGNORECASE):
            found.append(
                f"{secret}: ...{haystack[max(0, match.start() - 40) : match.end() + 40]}..."
            )
    return found


class RecordingStream:
    """Records every published segment, then hands it to the real stream."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.seen: list[Any] = []

    def publish_nowait(self, segment: Any) -> None:
        self.seen.append(segment)
        self.inner.publish_nowait(segment)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "eu-west-2",
    }.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        boto3.client("s3").create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-2"}
        )
        yield


async def _play(service: Any, locale: Locale, lines: list[str]) -> tuple[str, list[str]]:
    contact = await service.start_contact(locale=locale, customer_endpoint="+44 7700 900123")
    replies = []
    for line in lines:
        reply = await service.handle_turn(contact.contact_id, line)
        replies.append(reply.text)
    await service.end_contact(contact.contact_id)
    return contact.contact_id, replies


def _database_text(store: Any, contact_ids: list[str]) -> tuple[str, str]:
    """(raw rows as stored, every row as the store decrypts it)."""
    raw: list[str] = []
    with store.engine.connect() as conn:
        for table in (
            "contacts",
            "messages",
            "events",
            "hallucination_logs",
            "routing_callbacks",
            "routing_entries",
        ):
            for row in conn.execute(text(f"SELECT * FROM {table}")):
                raw.append(repr(tuple(row)))
    opened: list[str] = []
    for cid in contact_ids:
        opened.append(store.get_contact(cid).model_dump_json())
        opened.extend(m.model_dump_json() for m in store.recent_messages(cid, 1000))
        opened.extend(json.dumps(e.data, ensure_ascii=False) for e in store.events(cid))
        opened.extend(h.model_dump_json() for h in store.hallucination_logs(cid))
    return "\n".join(raw), "\n".join(opened)


async def test_seeded_conversations_leave_no_pii_anywhere(tmp_path: Path, aws_env: None) -> None:
    from switchboard.audit.logs import configure_logging
    from switchboard.compose import build_analytics, build_desk, build_service, close_desk

    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'sb.db'}",
        summaries=SummarySettings(directory=tmp_path / "summaries", s3_bucket=BUCKET),
    )
    log_stream = io.StringIO()
    handler = configure_logging("DEBUG", json=True, stream=log_stream)
    try:
        service = await build_service(settings)
        stream = RecordingStream(service.conversation.segments)
        service.conversation.segments = stream
        desk = build_desk(settings, service)
        analytics = build_analytics(service, settings, start_sweeper=False)
        played = []
        for locale, lines, secrets in SCRIPTS:
            cid, replies = await _play(service, locale, lines)
            played.append((cid, replies, secrets))
        metrics_text = analytics.metrics.render().decode("utf-8")
        await analytics.aclose()
        await close_desk(service, desk)
        raw_db, opened_db = _database_text(service.conversation.store, [p[0] for p in played])
        await service.aclose()
    finally:
        logging.getLogger().removeHandler(handler)
    logs = log_stream.getvalue()
    segments = "\n".join(s.text for s in stream.seen)
    files = "\n".join(p.read_text(encoding="utf-8") for p in (tmp_path / "summaries").glob("*"))
    s3 = boto3.client("s3")
    objects = [
        s3.get_object(Bucket=BUCKET, Key=o["Key"])["Body"].read().decode("utf-8")
        for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    ]
    assert len(objects) == 3 and files.count("contact_id") >= 3  # every contact summarised
    assert "sbe1:" in raw_db  # rows hold ciphertext
    assert len(logs) > 1000 and segments  # something was written to search in
    places = {
        "database rows": raw_db,
        "database decrypted": opened_db,
        "logs": logs,
        "transcript stream": segments,
        "summary files": files,
        "S3 objects": "\n".join(objects),
        "metrics": metrics_text,
    }
    all_secrets = [s for _, _, secrets in played for s in secrets]
    leaks = {where: _leaks(body, all_secrets) for where, body in places.items()}
    assert leaks == {where: [] for where in places}
    for (_cid, replies, _), (locale, _, _) in zip(played, SCRIPTS, strict=True):
        warned = replies[1]
        assert ("PIN" in warned) and ("removed" in warned or "supprimé" in warned), (locale, warned)
