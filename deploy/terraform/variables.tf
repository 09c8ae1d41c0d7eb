variable "project_name" {
  description = "Prefix of every resource name."
  type        = string
  default     = "switchboard"
}

variable "region" {
  description = "AWS region (seed 2 default: eu-west-2)."
  type        = string
  default     = "eu-west-2"
}

variable "LOCALE" {
  description = "Bot locales (seed 1 LOCALE): en_GB, en_US, fr_FR. The first is the agent's default, injected into every Lambda."
  type        = list(string)
  default     = ["en_GB"]

  validation {
    condition     = length(var.LOCALE) > 0 && alltrue([for l in var.LOCALE : contains(["en_GB", "en_US", "fr_FR"], l)])
    error_message = "LOCALE must list one or more of en_GB, en_US, fr_FR."
  }
}

variable "brain" {
  description = "SWITCHBOARD_BRAIN of the Lex code hook: local (embedded), bedrock or openai."
  type        = string
  default     = "bedrock"
}

variable "bedrock_model_ids" {
  description = "Bedrock foundation-model ids the Lex code hook may invoke (configuration, never constants in code)."
  type        = list(string)
  default     = ["anthropic.claude-3-haiku-20240307-v1:0"]
}

variable "guardrail_version" {
  description = "Version of the Bedrock guardrail the agent applies (DRAFT until a version is published)."
  type        = string
  default     = "DRAFT"
}

variable "connect_instance_id" {
  description = "Id of the existing Amazon Connect instance that gets the queues, hours and flows."
  type        = string
}

variable "connect_time_zone" {
  description = "Time zone of the hours of operation."
  type        = string
  default     = "Europe/London"
}

variable "callback_flow_id" {
  description = "Outbound contact flow the callback dialer runs; empty: no dialer function."
  type        = string
  default     = ""
}

variable "callback_source_phone" {
  description = "Caller id (E.164, claimed in the instance) shown on callbacks; empty: the queue's."
  type        = string
  default     = ""
}

variable "hold_music_prompt_name" {
  description = "Name of the instance prompt the customer queue flow plays while the caller waits (flow placeholder hold_music_prompt_arn); Connect's default prompts include CustomerQueue.wav."
  type        = string
  default     = "CustomerQueue.wav"
}

variable "queue_aht_seconds" {
  description = "Average handle time the queue-status Lambda assumes for its EWT, seconds (a flow may pass AverageHandleTimeSeconds instead)."
  type        = number
  default     = 300
}

variable "queue_acw_seconds" {
  description = "After-contact work per contact the queue-status Lambda assumes for its EWT, seconds."
  type        = number
  default     = 0
}

variable "log_retention_days" {
  description = "CloudWatch Logs retention (seed 1: 365 days)."
  type        = number
  default     = 365
}

variable "lambda_timeout_s" {
  description = "Timeout of the Lex code hook Lambda, seconds (Lex waits at most 30 s for a code hook)."
  type        = number
  default     = 25
}

variable "lambda_memory_mb" {
  description = "Memory of the Lex code hook Lambda, MB."
  type        = number
  default     = 2048
}

variable "dependency_layer_arns" {
  description = "Lambda layers holding switchboard's third-party dependencies (built outside Terraform; see README)."
  type        = list(string)
  default     = []
}

variable "reserved_concurrency" {
  description = "Reserved concurrent executions of each Lambda."
  type        = number
  default     = 50
}

variable "alarm_emails" {
  description = "E-mail addresses subscribed to the alarm topic."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Tags on every resource."
  type        = map(string)
  default     = {}
}
