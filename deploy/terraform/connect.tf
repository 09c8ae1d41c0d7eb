# Amazon Connect: hours of operation, the two queues of src/switchboard/domain/attributes.py,
# the bot and Lambda associations, and the contact flows in flows/*.json at the repository
# root when that folder exists (another branch writes it; this works with or without it).

data "aws_connect_instance" "main" {
  instance_id = var.connect_instance_id
}

# Seed 2 "After Hours Handling": "Monday to Friday, 9 AM to 5 PM".
resource "aws_connect_hours_of_operation" "business" {
  instance_id = var.connect_instance_id
  name        = "${local.name}-business-hours"
  description = "Monday to Friday, 09:00-17:00"
  time_zone   = var.connect_time_zone

  dynamic "config" {
    for_each = toset(["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"])
    content {
      day = config.value
      start_time {
        hours   = 9
        minutes = 0
      }
      end_time {
        hours   = 17
        minutes = 0
      }
    }
  }
}

locals {
  queues = {
    GeneralAgentQueue  = "General agent assistance (seed 2)"
    PriorityAgentQueue = "Frustrated customers and complaints first (seed 2 Priority Routing)"
  }
}

resource "aws_connect_queue" "agents" {
  for_each              = local.queues
  instance_id           = var.connect_instance_id
  name                  = each.key
  description           = each.value
  hours_of_operation_id = aws_connect_hours_of_operation.business.hours_of_operation_id
  # No max_contacts: seed 2 wants no hard limit (customers wait until served); a value,
  # even 0, would make the queue report "full" at that size.
}

resource "aws_connect_bot_association" "lex" {
  instance_id = var.connect_instance_id
  lex_v2_bot {
    alias_arn = awscc_lex_bot_alias.prod.arn
  }
}

resource "aws_connect_lambda_function_association" "fn" {
  for_each     = toset(["callback", "lookup"])
  instance_id  = var.connect_instance_id
  function_arn = aws_lambda_function.fn[each.key].arn
}

locals {
  flows_dir  = "${path.module}/../../flows"
  flow_files = fileset(local.flows_dir, "*.json")
  # Placeholders a flow may use as ${name}; they are replaced with this stack's ARNs.
  flow_vars = {
    lex_bot_alias_arn      = awscc_lex_bot_alias.prod.arn
    general_agent_queue_arn  = aws_connect_queue.agents["GeneralAgentQueue"].arn
    priority_agent_queue_arn = aws_connect_queue.agents["PriorityAgentQueue"].arn
    callback_lambda_arn      = aws_lambda_function.fn["callback"].arn
    lookup_lambda_arn        = aws_lambda_function.fn["lookup"].arn
  }
  # Flow language Metadata.type → aws_connect_contact_flow type.
  flow_types = {
    contactFlow    = "CONTACT_FLOW"
    customerQueue  = "CUSTOMER_QUEUE"
    customerHold   = "CUSTOMER_HOLD"
    customerWhisper = "CUSTOMER_WHISPER"
    agentWhisper   = "AGENT_WHISPER"
    outboundWhisper = "OUTBOUND_WHISPER"
    agentHold      = "AGENT_HOLD"
    queueTransfer  = "QUEUE_TRANSFER"
    agentTransfer  = "AGENT_TRANSFER"
  }
}

resource "aws_connect_contact_flow" "flows" {
  for_each    = local.flow_files
  instance_id = var.connect_instance_id
  name        = "${local.name}-${trimsuffix(each.value, ".json")}"
  description = "switchboard flow ${each.value}"
  type = lookup(
    local.flow_types,
    try(jsondecode(file("${local.flows_dir}/${each.value}")).Metadata.type, "contactFlow"),
    "CONTACT_FLOW",
  )
  content = templatefile("${local.flows_dir}/${each.value}", local.flow_vars)
}
