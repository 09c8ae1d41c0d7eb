# CloudWatch log groups (seed 1: 365 days, encrypted with the project key). The Lambdas'
# JSON log lines — including every audit event (src/switchboard/audit/sink.py) — land here.

locals {
  functions = merge(
    {
      lex_hook = "switchboard.aws.lex.lambda_handler"
      callback = "switchboard.aws.connect.callback_handler"
      lookup   = "switchboard.aws.connect.lookup_handler"
      # The customer queue flow's position and EWT (function "<project_name>-queue-status",
      # the name the flow interpreter gives its stand-in: switchboard-queue-status).
      queue_status = "switchboard.aws.connect.queue_status_handler"
    },
    # The callback dialer exists once an outbound flow is named (var.callback_flow_id).
    var.callback_flow_id != "" ? { dialer = "switchboard.aws.connect.dial_handler" } : {},
  )
}

resource "aws_cloudwatch_log_group" "lambda" {
  for_each          = local.functions
  name              = "/aws/lambda/${local.name}-${replace(each.key, "_", "-")}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.main.arn
}

# Lex V2 conversation logs (text) of the bot alias.
resource "aws_cloudwatch_log_group" "lex" {
  name              = "/aws/lex/${local.name}-bot"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.main.arn
}
