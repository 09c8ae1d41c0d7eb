"""The privacy CLI (keys, purge, erase, audit) and the admin erasure route, end to end."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from moto import mock_aws
from typer.testing import CliRunner

from switchboard.api.errors import install_error_handlers
from switchboard.api.privacy import build_privacy_router
from switchboard.audit import AuditSink, verify_chain
from switchboard.audit.chain import event_hash
from switchboard.audit.records import EventRecord
from switchboard.aws.s3 import S3AuditSink
from switchboard.aws.settings import AwsSettings
from switchboard.cli import build_cli
from switchboard.config import SummarySettings
from switchboard.crypto import key_id_of
from switchboard.domain.types import Event, EventType, Source
from switchboard.privacy import PrivacyRuntime, PrivacyService
from switchboard.store.sql import create_store

from .test_erasure import PHONE_A, contact_with_history, make_settings


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    settings = make_settings(tmp_path)
    monkeypatch.setenv("SWITCHBOARD_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SWITCHBOARD_CRYPTO__KEYRING_FILE", str(settings.crypto.keyring_file))
    monkeypatch.setenv("SWITCHBOARD_CRYPTO__INDEX_KEY_FILE", str(settings.crypto.index_key_file))
    monkeypatch.setenv("SWITCHBOARD_CRYPTO__ANCHOR_KEY_FILE", str(settings.crypto.anchor_key_file))
    monkeypatch.setenv("SWITCHBOARD_RETENTION__ANCHOR_FILE", str(settings.retention.anchor_file))
    monkeypatch.setenv(
        "SWITCHBOARD_RETENTION__RECORDINGS_DIR", str(settings.retention.recordings_dir)
    )
    monkeypatch.setenv("SWITCHBOARD_SUMMARIES__DIRECTORY", str(settings.summaries.directory))
    return tmp_path


def run(*args: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    result = CliRunner().invoke(build_cli(), list(args))
    try:
        return result.exit_code, json.loads(result.stdout)
    except json.JSONDecodeError:
        return result.exit_code, {"output": result.output}


def test_cli_rotate_rewrap_erase_verify(env: Path) -> None:
    settings = make_settings(env)
    store = create_store(settings)
    sink = AuditSink(store)
    a = contact_with_history(store, sink, settings, PHONE_A, "alpha")
    b = contact_with_history(store, sink, settings, None, "bravo")
    code, out = run("audit", "anchor")
    assert code == 0 and out["anchored_contacts"] == 2
    code, out = run("keys", "rotate")
    assert code == 0 and out["current"] != out["previous"]
    code, out = run("keys", "rewrap")
    assert code == 0 and out["rewrapped"]["messages.content"] == 6
    code, listed = run("keys", "list")
    out_current = listed["current"]
    assert listed["messages_per_key"] == {out_current: 6}
    code, out = run("keys", "retire", next(k for k in listed["keys"] if k != out_current))
    assert code == 0
    code, out = run("erase", "--customer", "+447700900123")
    assert code == 0 and out["contacts"] == [a] and out["recordings"] == 1
    code, out = run("audit", "verify")
    assert code == 0 and out["ok"] and out["contacts_checked"] == 2
    fresh = create_store(settings)  # a new process: keys from the files
    assert fresh.recent_messages(b, 10)[0].content == "bravo 0"
    with fresh.engine.connect() as conn:
        sealed = conn.exec_driver_sql("SELECT content FROM messages LIMIT 1").scalar_one()
    assert key_id_of(sealed) == out_current
    with fresh.engine.begin() as conn:
        conn.exec_driver_sql(f"DELETE FROM events WHERE contact_id = '{b}' AND seq = 6")
    code, out = run("audit", "verify", "--contact", b)
    assert code == 1 and out["anchor_problems"][0]["reason"] == "anchored_head_missing"
    code, out = run("erase")
    assert code == 2


def test_admin_erasure_route_and_verify(env: Path) -> None:
    settings = make_settings(env)
    store = create_store(settings)
    a = contact_with_history(store, AuditSink(store), settings, PHONE_A, "alpha")
    app = FastAPI()
    install_error_handlers(app)
    app.state.privacy = PrivacyRuntime(
        PrivacyService(settings, store), purge_interval_s=0, anchor_interval_s=0
    )
    app.include_router(build_privacy_router())
    client = TestClient(app)  # no lifespan: the runtime above is the one used
    if True:
        bad = client.post("/v1/admin/erasure", json={})
        assert bad.status_code == 422
        done = client.post("/v1/admin/erasure", json={"customer": PHONE_A})
        assert done.status_code == 200 and done.json()["contacts"] == [a]
        verified = client.get("/v1/admin/audit/verify")
        assert verified.status_code == 200 and verified.json()["ok"]


def test_erasure_reaches_s3_summaries_and_the_s3_audit_bucket(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        s3 = boto3.client("s3", region_name="eu-west-2")
        for bucket in ("sb-summaries", "sb-audit"):
            s3.create_bucket(
                Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-2"}
            )
        settings = make_settings(env).model_copy(
            update={
                "summaries": SummarySettings(directory=env / "summaries", s3_bucket="sb-summaries")
            }
        )
        store = create_store(settings)
        a = contact_with_history(store, AuditSink(store), settings, PHONE_A, "alpha")
        s3.put_object(Bucket="sb-summaries", Key=f"summaries/{a}.json", Body=b"{}")
        s3.put_object(Bucket="sb-summaries", Key="summaries/other.json", Body=b"{}")
        audit = S3AuditSink(s3, AwsSettings(audit_bucket="sb-audit"))
        prev = None
        records = []
        for i in range(3):
            ev = Event(
                contact_id=a,
                type=EventType.USER_INPUT,
                source=Source.CUSTOMER,
                data={"transcript": f"alpha {i}"},
            )
            prev = event_hash(ev, prev)
            records.append(
                EventRecord(event=ev, prev_hash=records[-1].hash if records else None, hash=prev)
            )
        audit.write_records(a, records)
        audit.write_transcript(a, [])
        privacy = PrivacyService(settings, store, s3=s3, audit_s3=audit)
        report = privacy.erase(customer=PHONE_A)
        assert report.s3_objects == 3  # summary, transcript, one audit object rewritten
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket="sb-summaries")["Contents"]]
        assert keys == ["summaries/other.json"]
        assert "Contents" not in s3.list_objects_v2(Bucket="sb-audit", Prefix="transcripts/")
        body = json.dumps([r.event.data for r in audit.event_records(a)])
        assert "alpha" not in body
        assert verify_chain(audit, a).ok
