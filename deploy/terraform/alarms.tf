# Seed 2 "CloudWatch Alarms" and "Queue Metrics and Monitoring".
#
# The agent's numbers come from its own JSON log lines (src/switchboard/audit/sink.py writes
# one per event: event_type, data...) through metric filters on the Lex code hook's log
# group; Lambda and Connect numbers come from AWS/Lambda and AWS/Connect.

resource "aws_sns_topic" "alarms" {
  name              = "${local.name}-alarms"
  kms_master_key_id = aws_kms_key.main.id
}

resource "aws_sns_topic_subscription" "alarm_email" {
  for_each  = toset(var.alarm_emails)
  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = each.value
}

locals {
  metric_namespace = "switchboard"
  metric_filters = {
    ValidationChecks      = "{ $.event_type = \"validation_check\" }"
    Hallucinations        = "{ ($.event_type = \"validation_check\") && ($.data.hallucination_detected IS TRUE) }"
    ToolExecutionFailures = "{ ($.event_type = \"tool_invocation\") && ($.data.error.code = \"*\") }"
    ValidationErrors      = "{ ($.event_type = \"error\") && ($.data.stage = \"validation\") }"
    Handovers             = "{ ($.event_type = \"handover_decision\") && ($.data.handover_triggered IS TRUE) }"
  }
  lex_hook_function = aws_lambda_function.fn["lex_hook"].function_name
  alarm_actions     = [aws_sns_topic.alarms.arn]
}

resource "aws_cloudwatch_log_metric_filter" "agent" {
  for_each       = local.metric_filters
  name           = "${local.name}-${each.key}"
  log_group_name = aws_cloudwatch_log_group.lambda["lex_hook"].name
  pattern        = each.value

  metric_transformation {
    name          = each.key
    namespace     = local.metric_namespace
    value         = "1"
    default_value = "0"
    unit          = "Count"
  }
}

# Hallucination rate = hallucinations / validated replies, in percent:
# critical above 10 % over 5 minutes, warning above 5 % over 15 minutes.
resource "aws_cloudwatch_metric_alarm" "hallucination_rate" {
  for_each = {
    critical = { threshold = 10, period = 300 }
    warning  = { threshold = 5, period = 900 }
  }
  alarm_name          = "${local.name}-hallucination-rate-${each.key}"
  alarm_description   = "Seed 2: hallucination rate > ${each.value.threshold}% (${each.value.period / 60}-minute window)"
  comparison_operator = "GreaterThanThreshold"
  evaluation_periods  = 1
  threshold           = each.value.threshold
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  metric_query {
    id          = "rate"
    expression  = "IF(checks > 0, 100 * hallucinations / checks, 0)"
    label       = "Hallucination rate (%)"
    return_data = true
  }
  metric_query {
    id = "hallucinations"
    metric {
      namespace   = local.metric_namespace
      metric_name = "Hallucinations"
      period      = each.value.period
      stat        = "Sum"
    }
  }
  metric_query {
    id = "checks"
    metric {
      namespace   = local.metric_namespace
      metric_name = "ValidationChecks"
      period      = each.value.period
      stat        = "Sum"
    }
  }

  depends_on = [aws_cloudwatch_log_metric_filter.agent]
}

# Error rate of the Lex code hook > 5 % over 5 minutes (the handler answers every failure
# with a handover, so Lambda errors mean crashes and timeouts).
resource "aws_cloudwatch_metric_alarm" "error_rate" {
  alarm_name          = "${local.name}-lex-hook-error-rate"
  alarm_description   = "Seed 2: error rate > 5% (5-minute window)"
  comparison_operator = "GreaterThanThreshold"
  evaluation_periods  = 1
  threshold           = 5
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  metric_query {
    id          = "rate"
    expression  = "IF(invocations > 0, 100 * errors / invocations, 0)"
    label       = "Error rate (%)"
    return_data = true
  }
  metric_query {
    id = "errors"
    metric {
      namespace   = "AWS/Lambda"
      metric_name = "Errors"
      period      = 300
      stat        = "Sum"
      dimensions  = { FunctionName = local.lex_hook_function }
    }
  }
  metric_query {
    id = "invocations"
    metric {
      namespace   = "AWS/Lambda"
      metric_name = "Invocations"
      period      = 300
      stat        = "Sum"
      dimensions  = { FunctionName = local.lex_hook_function }
    }
  }
}

# Response latency p95 > 5 s.
resource "aws_cloudwatch_metric_alarm" "latency_p95" {
  alarm_name          = "${local.name}-lex-hook-latency-p95"
  alarm_description   = "Seed 2: response latency > 5 seconds (p95, 5-minute window)"
  namespace           = "AWS/Lambda"
  metric_name         = "Duration"
  dimensions          = { FunctionName = local.lex_hook_function }
  extended_statistic  = "p95"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 5000
  unit                = "Milliseconds"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

# Warnings per hour: tool execution failures > 10, validation errors (incl. timeouts) > 5.
resource "aws_cloudwatch_metric_alarm" "hourly" {
  for_each = {
    ToolExecutionFailures = 10
    ValidationErrors      = 5
  }
  alarm_name          = "${local.name}-${each.key}-per-hour"
  alarm_description   = "Seed 2 warning: ${each.key} > ${each.value} per hour"
  namespace           = local.metric_namespace
  metric_name         = each.key
  statistic           = "Sum"
  period              = 3600
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = each.value
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions

  depends_on = [aws_cloudwatch_log_metric_filter.agent]
}

# Queues: more than 10 contacts waiting for 5 minutes; the longest wait above 5 minutes
# (Connect publishes the longest wait, not the average, to CloudWatch).
resource "aws_cloudwatch_metric_alarm" "queue_size" {
  for_each            = aws_connect_queue.agents
  alarm_name          = "${local.name}-${each.key}-queue-size"
  alarm_description   = "Seed 2: queue size > 10 for 5 minutes"
  namespace           = "AWS/Connect"
  metric_name         = "QueueSize"
  dimensions          = { InstanceId = var.connect_instance_id, MetricGroup = "Queue", QueueName = each.key }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 5
  datapoints_to_alarm = 5
  comparison_operator = "GreaterThanThreshold"
  threshold           = 10
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "queue_wait" {
  for_each            = aws_connect_queue.agents
  alarm_name          = "${local.name}-${each.key}-longest-wait"
  alarm_description   = "Seed 2: wait time > 5 minutes"
  namespace           = "AWS/Connect"
  metric_name         = "LongestQueueWaitTime"
  dimensions          = { InstanceId = var.connect_instance_id, MetricGroup = "Queue", QueueName = each.key }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 300
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
}
