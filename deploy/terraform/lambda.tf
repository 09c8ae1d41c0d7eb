# The Lambdas, packaged from this repository.
#
# Zip (default): src/ is zipped by archive_file (the switchboard package with its tool
# catalogue), the trained router artifact data/router/ becomes a layer (/opt), and the
# third-party dependencies come from var.dependency_layer_arns. The embedded router needs
# torch (~750 MB), over the 250 MB unzipped limit of zip functions: for the Lex code hook
# set var.lambda_image_uri to an image built from this repository (Python 3.11 base image,
# `pip install .[aws]`), which then serves every function.

data "archive_file" "src" {
  type        = "zip"
  source_dir  = "${path.module}/../../src"
  output_path = "${path.module}/build/switchboard-src.zip"
  excludes    = ["**/__pycache__/**", "**/*.pyc", "switchboard.egg-info/**"]
}

data "archive_file" "router" {
  type        = "zip"
  source_dir  = "${path.module}/../../data/router"
  output_path = "${path.module}/build/switchboard-router.zip"
}

resource "aws_lambda_layer_version" "router" {
  layer_name          = "${local.name}-router"
  description         = "Trained embedded-router artifact (data/router), mounted at /opt"
  filename            = data.archive_file.router.output_path
  source_code_hash    = data.archive_file.router.output_base64sha256
  compatible_runtimes = ["python3.11"]
}

variable "lambda_image_uri" {
  description = "ECR image of this repository for all functions; empty: zip packages (see lambda.tf)."
  type        = string
  default     = ""
}

locals {
  use_image = var.lambda_image_uri != ""
  environment = {
    SWITCHBOARD_LOCALE                     = local.default_locale
    SWITCHBOARD_BRAIN                      = var.brain
    SWITCHBOARD_LOG_JSON                   = "true"
    SWITCHBOARD_DATABASE_URL               = "sqlite://"
    SWITCHBOARD_ROUTER__MODEL_DIR          = local.use_image ? "/var/task/data/router" : "/opt"
    SWITCHBOARD_BEDROCK__MODEL_ID          = var.bedrock_model_ids[0]
    SWITCHBOARD_BEDROCK__REGION            = var.region
    SWITCHBOARD_BEDROCK__GUARDRAIL_ID      = aws_bedrock_guardrail.text.guardrail_id
    SWITCHBOARD_BEDROCK__GUARDRAIL_VERSION = var.guardrail_version
    SWITCHBOARD_AWS_REGION                 = var.region
    SWITCHBOARD_AWS_HALLUCINATION_TABLE    = aws_dynamodb_table.hallucination_logs.name
    SWITCHBOARD_AWS_CALLBACK_TABLE         = aws_dynamodb_table.callbacks.name
    SWITCHBOARD_AWS_CUSTOMER_TABLE         = aws_dynamodb_table.customers.name
    SWITCHBOARD_AWS_AUDIT_BUCKET           = aws_s3_bucket.audit.id
    SWITCHBOARD_AWS_KMS_KEY_ID             = aws_kms_key.main.arn
    SWITCHBOARD_AWS_CONNECT_INSTANCE_ID    = var.connect_instance_id
    SWITCHBOARD_AWS_CALLBACK_FLOW_ID       = var.callback_flow_id
    SWITCHBOARD_AWS_CALLBACK_QUEUE_ID      = aws_connect_queue.agents["GeneralAgentQueue"].queue_id
    SWITCHBOARD_AWS_CALLBACK_SOURCE_PHONE  = var.callback_source_phone
    SWITCHBOARD_AWS_QUEUE_AHT_S            = tostring(var.queue_aht_seconds)
    SWITCHBOARD_AWS_QUEUE_ACW_S            = tostring(var.queue_acw_seconds)
    HF_HUB_OFFLINE                         = "1"
    TRANSFORMERS_OFFLINE                   = "1"
  }
  sizes = {
    lex_hook = { memory = var.lambda_memory_mb, timeout = var.lambda_timeout_s }
    callback = { memory = 256, timeout = 10 }
    lookup   = { memory = 256, timeout = 8 }
    # The customer queue flow waits at most 3 s (InvocationTimeLimitSeconds) for it.
    queue_status = { memory = 256, timeout = 3 }
    dialer   = { memory = 256, timeout = 60 }
  }
}

resource "aws_lambda_function" "fn" {
  #checkov:skip=CKV_AWS_116:Lex and Connect invoke these functions synchronously (a DLQ only receives failed asynchronous invocations; every failure already becomes a handover answer); the scheduled dialer leaves undialled callbacks pending in DynamoDB for its next run, so a failed run loses nothing a DLQ would keep.
  #checkov:skip=CKV_AWS_117:The functions reach only AWS APIs (Bedrock, DynamoDB, S3, Logs) over TLS with IAM; a VPC would add NAT or five interface endpoints this stack does not own. Place them in a VPC with endpoints if your policy requires it.
  #checkov:skip=CKV_AWS_272:Code signing needs an AWS Signer profile and a signed-artifact pipeline outside this repository; the package is built reproducibly from the repository by archive_file or the image digest.
  for_each = local.functions

  function_name = "${local.name}-${replace(each.key, "_", "-")}"
  description   = "switchboard ${each.key} (${each.value})"
  role          = aws_iam_role.lambda[each.key].arn
  architectures = ["x86_64"]
  memory_size   = local.sizes[each.key].memory
  timeout       = local.sizes[each.key].timeout
  kms_key_arn   = aws_kms_key.main.arn

  package_type     = local.use_image ? "Image" : "Zip"
  image_uri        = local.use_image ? var.lambda_image_uri : null
  runtime          = local.use_image ? null : "python3.11"
  handler          = local.use_image ? null : each.value
  filename         = local.use_image ? null : data.archive_file.src.output_path
  source_code_hash = local.use_image ? null : data.archive_file.src.output_base64sha256
  layers = local.use_image ? null : concat(
    var.dependency_layer_arns,
    each.key == "lex_hook" ? [aws_lambda_layer_version.router.arn] : [],
  )

  dynamic "image_config" {
    for_each = local.use_image ? [each.value] : []
    content {
      command = [image_config.value]
    }
  }

  reserved_concurrent_executions = var.reserved_concurrency

  environment {
    variables = local.environment
  }

  tracing_config {
    mode = "Active"
  }

  logging_config {
    log_format = "Text" # our handlers already write one JSON object per line
    log_group  = aws_cloudwatch_log_group.lambda[each.key].name
  }

  depends_on = [aws_iam_role_policy.lambda]
}

# Lex may call the code hook only through this bot's aliases.
resource "aws_lambda_permission" "lex" {
  statement_id  = "AllowLexV2BotAlias"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.fn["lex_hook"].function_name
  principal     = "lexv2.amazonaws.com"
  source_arn    = "arn:${local.partition}:lex:${var.region}:${local.account_id}:bot-alias/${awscc_lex_bot.main.id}/*"
}

# The dialer runs every minute (pending callbacks; Connect itself refuses calls outside
# the queue's hours only if the outbound flow checks them).
resource "aws_cloudwatch_event_rule" "dialer" {
  count               = var.callback_flow_id != "" ? 1 : 0
  name                = "${local.name}-callback-dialer"
  description         = "Dial pending callbacks (seed 2 callback option)"
  schedule_expression = "rate(1 minute)"
}

resource "aws_cloudwatch_event_target" "dialer" {
  count = var.callback_flow_id != "" ? 1 : 0
  rule  = aws_cloudwatch_event_rule.dialer[0].name
  arn   = aws_lambda_function.fn["dialer"].arn
}

resource "aws_lambda_permission" "dialer" {
  count         = var.callback_flow_id != "" ? 1 : 0
  statement_id  = "AllowSchedule"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.fn["dialer"].function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.dialer[0].arn
}

# Connect may call the functions its flows invoke, from this instance only.
resource "aws_lambda_permission" "connect" {
  for_each       = local.connect_functions
  statement_id   = "AllowConnectInstance"
  action         = "lambda:InvokeFunction"
  function_name  = aws_lambda_function.fn[each.key].function_name
  principal      = "connect.amazonaws.com"
  source_arn     = data.aws_connect_instance.main.arn
  source_account = local.account_id
}
