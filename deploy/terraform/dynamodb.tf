# Tables read and written by src/switchboard/aws/dynamo.py (the adapters' docstring
# describes the same keys; tests/deploy checks that both agree).

# Seed 2 "Hallucination Log Model": ttl 90 days, GSIs on hallucination_type and timestamp.
resource "aws_dynamodb_table" "hallucination_logs" {
  name         = "${local.name}-hallucination-logs"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "log_id"
  range_key    = "timestamp"

  attribute {
    name = "log_id"
    type = "S"
  }
  attribute {
    name = "timestamp"
    type = "S"
  }
  attribute {
    name = "hallucination_type"
    type = "S"
  }
  attribute {
    name = "log_date"
    type = "S"
  }

  global_secondary_index {
    name            = "hallucination_type-index"
    hash_key        = "hallucination_type"
    range_key       = "timestamp"
    projection_type = "ALL"
  }

  # Time-series queries: one partition per UTC day (log_date = YYYY-MM-DD), sorted by timestamp.
  global_secondary_index {
    name            = "timestamp-index"
    hash_key        = "log_date"
    range_key       = "timestamp"
    projection_type = "ALL"
  }

  ttl {
    attribute_name = "ttl"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.main.arn
  }

  deletion_protection_enabled = true
}

# Seed 2 "Callback Lambda Function": ttl 7 days; the agents' worklist reads status-index.
resource "aws_dynamodb_table" "callbacks" {
  name         = "${local.name}-callbacks"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "callback_id"

  attribute {
    name = "callback_id"
    type = "S"
  }
  attribute {
    name = "status"
    type = "S"
  }
  attribute {
    name = "requested_at"
    type = "S"
  }

  global_secondary_index {
    name            = "status-index"
    hash_key        = "status"
    range_key       = "requested_at"
    projection_type = "ALL"
  }

  ttl {
    attribute_name = "ttl"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.main.arn
  }

  deletion_protection_enabled = true
}

# Seed 5 Step 4: customers looked up by the caller's number (E.164).
resource "aws_dynamodb_table" "customers" {
  name         = "${local.name}-customers"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "phone_number"

  attribute {
    name = "phone_number"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.main.arn
  }

  deletion_protection_enabled = true
}
