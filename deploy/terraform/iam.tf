# Least privilege (seed 1 "Zero Trust"): one role per function, each action on the exact
# resource it touches: model ARNs and the guardrail ARN for Bedrock, single tables, the
# audit bucket's prefixes, the project key, the function's own log group.

data "aws_iam_policy_document" "lambda_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "lambda" {
  for_each           = local.functions
  name               = "${local.name}-${replace(each.key, "_", "-")}"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
}

# Common to every function: its own log group, X-Ray traces, the key for env vars and tables.
data "aws_iam_policy_document" "lambda_common" {
  for_each = local.functions

  statement {
    sid       = "OwnLogGroup"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.lambda[each.key].arn}:*"]
  }
  statement {
    sid       = "Tracing"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"] # X-Ray has no resource-level permissions
  }
  statement {
    sid       = "ProjectKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.main.arn]
  }
}

data "aws_iam_policy_document" "lex_hook" {
  source_policy_documents = [data.aws_iam_policy_document.lambda_common["lex_hook"].json]

  statement {
    sid       = "InvokeTheConfiguredModelsOnly"
    actions   = ["bedrock:InvokeModel"] # the Converse API is authorised by InvokeModel
    resources = local.bedrock_model_arns
  }
  statement {
    sid       = "ApplyTheGuardrail"
    actions   = ["bedrock:ApplyGuardrail"]
    resources = [aws_bedrock_guardrail.text.guardrail_arn]
  }
  statement {
    sid       = "WriteHallucinationLogs"
    actions   = ["dynamodb:PutItem"]
    resources = [aws_dynamodb_table.hallucination_logs.arn]
  }
  statement {
    sid     = "WriteAuditObjects"
    actions = ["s3:PutObject"]
    resources = [
      "${aws_s3_bucket.audit.arn}/audit/*",
      "${aws_s3_bucket.audit.arn}/transcripts/*",
    ]
  }
}

data "aws_iam_policy_document" "callback" {
  source_policy_documents = [data.aws_iam_policy_document.lambda_common["callback"].json]

  statement {
    sid       = "WriteCallbacks"
    actions   = ["dynamodb:PutItem"]
    resources = [aws_dynamodb_table.callbacks.arn]
  }
}

data "aws_iam_policy_document" "lookup" {
  source_policy_documents = [data.aws_iam_policy_document.lambda_common["lookup"].json]

  statement {
    sid       = "ReadCustomers"
    actions   = ["dynamodb:GetItem"]
    resources = [aws_dynamodb_table.customers.arn]
  }
}

# Position and EWT of a waiting caller: real-time metrics of this stack's two queues and the
# enqueue time of a contact of this instance (Connect has no per-contact position).
data "aws_iam_policy_document" "queue_status" {
  source_policy_documents = [data.aws_iam_policy_document.lambda_common["queue_status"].json]

  statement {
    sid     = "QueueRealTimeMetrics"
    actions = ["connect:GetCurrentMetricData"]
    resources = concat(
      [data.aws_connect_instance.main.arn],
      [for q in aws_connect_queue.agents : q.arn],
    )
  }
  statement {
    sid       = "ContactEnqueueTime"
    actions   = ["connect:DescribeContact"]
    resources = ["${data.aws_connect_instance.main.arn}/contact/*"]
  }
}

data "aws_iam_policy_document" "dialer" {
  count                   = var.callback_flow_id != "" ? 1 : 0
  source_policy_documents = [data.aws_iam_policy_document.lambda_common["dialer"].json]

  statement {
    sid       = "ReadTheCallbackWorklist"
    actions   = ["dynamodb:Query"]
    resources = ["${aws_dynamodb_table.callbacks.arn}/index/status-index"]
  }
  statement {
    sid       = "MarkCallbacksDialled"
    actions   = ["dynamodb:UpdateItem"]
    resources = [aws_dynamodb_table.callbacks.arn]
  }
  statement {
    sid       = "StartOutboundCalls"
    actions   = ["connect:StartOutboundVoiceContact"]
    resources = ["${data.aws_connect_instance.main.arn}/contact/*"]
  }
}

locals {
  function_policies = merge(
    {
      lex_hook     = data.aws_iam_policy_document.lex_hook.json
      callback     = data.aws_iam_policy_document.callback.json
      lookup       = data.aws_iam_policy_document.lookup.json
      queue_status = data.aws_iam_policy_document.queue_status.json
    },
    var.callback_flow_id != "" ? { dialer = data.aws_iam_policy_document.dialer[0].json } : {},
  )
}

resource "aws_iam_role_policy" "lambda" {
  for_each = local.functions
  name     = "${local.name}-${replace(each.key, "_", "-")}"
  role     = aws_iam_role.lambda[each.key].id
  policy   = local.function_policies[each.key]
}

# The Lex V2 bot's runtime role: speech synthesis for voice and its conversation logs.
data "aws_iam_policy_document" "lex_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lexv2.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "lex" {
  name               = "${local.name}-lex-bot"
  assume_role_policy = data.aws_iam_policy_document.lex_assume.json
}

data "aws_iam_policy_document" "lex" {
  statement {
    sid       = "SpeakRepliesOnVoiceContacts"
    actions   = ["polly:SynthesizeSpeech"]
    resources = ["arn:${local.partition}:polly:${var.region}:${local.account_id}:lexicon/*"]
  }
  statement {
    sid       = "ConversationLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.lex.arn}:*"]
  }
}

resource "aws_iam_role_policy" "lex" {
  name   = "${local.name}-lex-bot"
  role   = aws_iam_role.lex.id
  policy = data.aws_iam_policy_document.lex.json
}
