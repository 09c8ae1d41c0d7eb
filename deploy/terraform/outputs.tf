output "lex_bot_id" {
  description = "Lex V2 bot id."
  value       = awscc_lex_bot.main.id
}

output "lex_bot_alias_arn" {
  description = "ARN of the prod alias (ConnectParticipantWithLexBot LexV2Bot.AliasArn)."
  value       = awscc_lex_bot_alias.prod.arn
}

output "lambda_arns" {
  description = "Lambda ARNs by role: lex_hook, callback, lookup, queue_status (and dialer)."
  value       = { for k, f in aws_lambda_function.fn : k => f.arn }
}

output "queue_arns" {
  description = "GeneralAgentQueue and PriorityAgentQueue."
  value       = { for k, q in aws_connect_queue.agents : k => q.arn }
}

output "contact_flows" {
  description = "Contact flows loaded from flows/*.json (empty when the folder is absent)."
  value = merge(
    { for k, f in aws_connect_contact_flow.flows : k => f.arn },
    { for k, f in aws_connect_contact_flow.linked : k => f.arn },
  )
}

output "audit_bucket" {
  description = "S3 audit bucket."
  value       = aws_s3_bucket.audit.id
}

output "tables" {
  description = "DynamoDB table names."
  value = {
    hallucination_logs = aws_dynamodb_table.hallucination_logs.name
    callbacks          = aws_dynamodb_table.callbacks.name
    customers          = aws_dynamodb_table.customers.name
  }
}
