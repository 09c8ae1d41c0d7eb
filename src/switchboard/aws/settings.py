"""Settings of the AWS Lambdas (pydantic-settings, env prefix ``SWITCHBOARD_AWS_``).

Terraform (``deploy/terraform/lambda.tf``) sets these on each function::

    SWITCHBOARD_AWS_REGION=eu-west-2
    SWITCHBOARD_AWS_HALLUCINATION_TABLE=switchboard-hallucination-logs
    SWITCHBOARD_AWS_CALLBACK_TABLE=switchboard-callbacks
    SWITCHBOARD_AWS_CUSTOMER_TABLE=switchboard-customers
    SWITCHBOARD_AWS_AUDIT_BUCKET=switchboard-audit-123456789012
    SWITCHBOARD_AWS_KMS_KEY_ID=arn:aws:kms:eu-west-2:123456789012:key/...

An empty table or bucket name turns that adapter off (rows stay in memory,
audit events only reach the JSON log lines, i.e. CloudWatch Logs).
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class AwsSettings(BaseSettings):
    """Where the Lambdas write, and the bounds they keep."""

    model_config = SettingsConfigDict(env_prefix="SWITCHBOARD_AWS_", extra="ignore")

    region: str | None = Field(None, description="AWS region; default: the Lambda's AWS_REGION")
    hallucination_table: str = Field("", description="DynamoDB table for hallucination logs")
    callback_table: str = Field("", description="DynamoDB table for callback requests")
    customer_table: str = Field("", description="DynamoDB table of customers by phone number")
    audit_bucket: str = Field("", description="S3 bucket for audit events and transcripts")
    audit_prefix: str = Field("audit/", description="key prefix of audit objects")
    transcript_prefix: str = Field("transcripts/", description="key prefix of transcripts")
    kms_key_id: str | None = Field(None, description="KMS key for SSE-KMS on S3 objects")
    callback_ttl_days: int = Field(7, ge=1, description="seed 2 callback ttl: 7 days")
    connect_instance_id: str = Field("", description="Connect instance id (callback dialer)")
    callback_flow_id: str = Field("", description="outbound contact flow id of callbacks")
    callback_queue_id: str = Field("", description="queue id of callbacks without one")
    callback_source_phone: str = Field("", description="caller id shown on callbacks (E.164)")
    queue_aht_s: float = Field(
        300.0, gt=0, description="AHT the queue-status EWT assumes, seconds (flow may override)"
    )
    queue_acw_s: float = Field(
        0.0, ge=0, description="after-contact work the queue-status EWT assumes, seconds"
    )
    session_budget_bytes: int = Field(
        10_000,
        ge=2_000,
        le=12_288,
        description="UTF-8 bytes all session attributes may take (Lex: 12 KB)",
    )
    history_messages: int = Field(20, ge=2, le=50, description="seed 2: last 20 messages")
    message_chars: int = Field(600, ge=80, description="longest stored history message")
    turn_margin_ms: int = Field(
        1_500, ge=0, description="time kept back from the Lambda deadline to answer Lex"
    )


def configure_lambda_logging(level: str = "INFO") -> None:
    """Make every log line of a Lambda one JSON object (CloudWatch metric filters read them).

    The Lambda Python runtime puts its own text handler on the root logger;
    it is removed so that each record is written once, by switchboard's JSON
    formatter (with PII redaction), to stdout, which Lambda sends to the
    function's log group.

    Raises:
        switchboard.errors.ConfigError: ``level`` is not a logging level.
    """
    import logging
    import sys

    from switchboard.audit.logs import configure_logging

    ours = configure_logging(level, json=True, stream=sys.stdout)
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h is not ours]:
        root.removeHandler(handler)
