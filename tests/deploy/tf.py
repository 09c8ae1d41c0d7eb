"""Read deploy/terraform with python-hcl2 into plain Python values.

python-hcl2 keeps HCL string quotes (``'"S"'``) and marks blocks; :func:`load`
strips both so tests can compare values directly. Expressions stay as text
(``"${aws_kms_key.main.arn}"``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import hcl2

ROOT = Path(__file__).resolve().parents[2]
TF_DIR = ROOT / "deploy" / "terraform"


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            _clean(k): _clean(v)
            for k, v in value.items()
            if k not in ("__is_block__", "__comments__")
        }
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def parse_file(path: Path) -> dict[str, Any]:
    """Parse one .tf file (raises on a syntax error)."""
    with path.open() as f:
        return _clean(hcl2.load(f))


def load(tf_dir: Path = TF_DIR) -> dict[str, Any]:
    """Merge every .tf file: ``resource[type][name]``, ``data[type][name]``, ``variable``,
    ``locals``, ``output``, ``terraform`` (list), ``provider`` (list)."""
    merged: dict[str, Any] = {
        "resource": {},
        "data": {},
        "variable": {},
        "locals": {},
        "output": {},
        "terraform": [],
        "provider": [],
    }
    for path in sorted(tf_dir.glob("*.tf")):
        doc = parse_file(path)
        for kind in ("resource", "data"):
            for block in doc.get(kind, []):
                for rtype, named in block.items():
                    merged[kind].setdefault(rtype, {}).update(named)
        for block in doc.get("variable", []):
            merged["variable"].update(block)
        for block in doc.get("output", []):
            merged["output"].update(block)
        for block in doc.get("locals", []):
            merged["locals"].update(block)
        merged["terraform"].extend(doc.get("terraform", []))
        merged["provider"].extend(doc.get("provider", []))
    return merged


def dynamodb_create_table_kwargs(table: dict[str, Any], name: str) -> dict[str, Any]:
    """Turn an ``aws_dynamodb_table`` body into DynamoDB ``CreateTable`` arguments."""
    keys = [{"AttributeName": table["hash_key"], "KeyType": "HASH"}]
    if table.get("range_key"):
        keys.append({"AttributeName": table["range_key"], "KeyType": "RANGE"})
    kwargs: dict[str, Any] = {
        "TableName": name,
        "BillingMode": table["billing_mode"],
        "KeySchema": keys,
        "AttributeDefinitions": [
            {"AttributeName": a["name"], "AttributeType": a["type"]} for a in table["attribute"]
        ],
    }
    gsis = []
    for g in table.get("global_secondary_index", []):
        schema = [{"AttributeName": g["hash_key"], "KeyType": "HASH"}]
        if g.get("range_key"):
            schema.append({"AttributeName": g["range_key"], "KeyType": "RANGE"})
        gsis.append(
            {
                "IndexName": g["name"],
                "KeySchema": schema,
                "Projection": {"ProjectionType": g["projection_type"]},
            }
        )
    if gsis:
        kwargs["GlobalSecondaryIndexes"] = gsis
    return kwargs
