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

# The functions the flows invoke (InvokeLambdaFunction needs them associated with the instance).
locals {
  connect_functions = toset(["callback", "lookup", "queue_status"])
}

resource "aws_connect_lambda_function_association" "fn" {
  for_each     = local.connect_functions
  instance_id  = var.connect_instance_id
  function_arn = aws_lambda_function.fn[each.key].arn
}

# Hold music of the customer queue flow: a prompt of the instance, by name (every instance
# comes with Connect's default prompts, e.g. CustomerQueue.wav).
data "aws_connect_prompt" "hold_music" {
  instance_id = var.connect_instance_id
  name        = var.hold_music_prompt_name
}

# Flows are created in two phases, because one for_each resource cannot use its own ARNs:
#   1. "flows": every flow whose text names no other flow (no "_flow_arn}" in it);
#   2. "linked": the flows that do (the inbound flow: its CustomerQueue hook and its
#      TransferToFlow), rendered with one more variable per phase-1 flow:
#      "<file stem, "-" → "_", "switchboard_" prefix dropped>_flow_arn", e.g.
#      switchboard-customer-queue.json → customer_queue_flow_arn,
#      switchboard-callback.json       → callback_flow_arn.
# A phase-2 flow cannot name another phase-2 flow: templatefile then fails the plan on the
# unknown variable, loudly.
locals {
  flows_dir  = "${path.module}/../../flows"
  flow_files = fileset(local.flows_dir, "*.json")
  flow_text  = { for f in local.flow_files : f => file("${local.flows_dir}/${f}") }
  linked_flow_files = toset([for f, text in local.flow_text : f if strcontains(text, "_flow_arn}")])
  base_flow_files   = setsubtract(local.flow_files, local.linked_flow_files)
  # Placeholders a flow may use as ${name}; they are replaced with this stack's ARNs.
  flow_vars = {
    lex_bot_alias_arn        = awscc_lex_bot_alias.prod.arn
    general_agent_queue_arn  = aws_connect_queue.agents["GeneralAgentQueue"].arn
    priority_agent_queue_arn = aws_connect_queue.agents["PriorityAgentQueue"].arn
    callback_lambda_arn      = aws_lambda_function.fn["callback"].arn
    lookup_lambda_arn        = aws_lambda_function.fn["lookup"].arn
    queue_status_lambda_arn  = aws_lambda_function.fn["queue_status"].arn
    hold_music_prompt_arn    = data.aws_connect_prompt.hold_music.arn
  }
  # Phase 2 only: the ARNs of the phase-1 flows.
  flow_arn_vars = {
    for f in local.base_flow_files :
    "${trimprefix(replace(trimsuffix(f, ".json"), "-", "_"), "switchboard_")}_flow_arn" => aws_connect_contact_flow.flows[f].arn
  }
  # Flow language Metadata.type → aws_connect_contact_flow type.
  flow_types = {
    contactFlow     = "CONTACT_FLOW"
    customerQueue   = "CUSTOMER_QUEUE"
    customerHold    = "CUSTOMER_HOLD"
    customerWhisper = "CUSTOMER_WHISPER"
    agentWhisper    = "AGENT_WHISPER"
    outboundWhisper = "OUTBOUND_WHISPER"
    agentHold       = "AGENT_HOLD"
    queueTransfer   = "QUEUE_TRANSFER"
    agentTransfer   = "AGENT_TRANSFER"
  }
  flow_type = {
    for f, text in local.flow_text :
    f => lookup(local.flow_types, try(jsondecode(text).Metadata.type, "contactFlow"), "CONTACT_FLOW")
  }
}

resource "aws_connect_contact_flow" "flows" {
  for_each    = local.base_flow_files
  instance_id = var.connect_instance_id
  name        = "${local.name}-${trimsuffix(each.value, ".json")}"
  description = "switchboard flow ${each.value}"
  type        = local.flow_type[each.value]
  content     = templatefile("${local.flows_dir}/${each.value}", local.flow_vars)
}

resource "aws_connect_contact_flow" "linked" {
  for_each    = local.linked_flow_files
  instance_id = var.connect_instance_id
  name        = "${local.name}-${trimsuffix(each.value, ".json")}"
  description = "switchboard flow ${each.value} (names other flows)"
  type        = local.flow_type[each.value]
  content     = templatefile("${local.flows_dir}/${each.value}", merge(local.flow_vars, local.flow_arn_vars))
}
