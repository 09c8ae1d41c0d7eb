# The Bedrock guardrail of the text channel (seed 1: "Bedrock Guardrails applied in the
# Lambda fulfillment"), referenced by exact ARN in the Lex code hook's IAM policy.

resource "aws_bedrock_guardrail" "text" {
  name                      = "${local.name}-text"
  description               = "Content, prompt-attack and PII filters of the banking agent"
  blocked_input_messaging   = "I can help with opening accounts, debit cards and finding a branch. Could you rephrase your question?"
  blocked_outputs_messaging = "I want to make sure you get accurate information. Let me connect you with a specialist."
  kms_key_arn               = aws_kms_key.main.arn

  content_policy_config {
    filters_config {
      type            = "HATE"
      input_strength  = "HIGH"
      output_strength = "HIGH"
    }
    filters_config {
      type            = "INSULTS"
      input_strength  = "MEDIUM"
      output_strength = "HIGH"
    }
    filters_config {
      type            = "SEXUAL"
      input_strength  = "HIGH"
      output_strength = "HIGH"
    }
    filters_config {
      type            = "VIOLENCE"
      input_strength  = "HIGH"
      output_strength = "HIGH"
    }
    filters_config {
      type            = "MISCONDUCT"
      input_strength  = "HIGH"
      output_strength = "HIGH"
    }
    filters_config {
      type            = "PROMPT_ATTACK"
      input_strength  = "HIGH"
      output_strength = "NONE"
    }
  }

  sensitive_information_policy_config {
    pii_entities_config {
      type   = "CREDIT_DEBIT_CARD_NUMBER"
      action = "ANONYMIZE"
    }
    pii_entities_config {
      type   = "UK_NATIONAL_INSURANCE_NUMBER"
      action = "ANONYMIZE"
    }
    pii_entities_config {
      type   = "US_SOCIAL_SECURITY_NUMBER"
      action = "ANONYMIZE"
    }
    pii_entities_config {
      type   = "PIN"
      action = "BLOCK"
    }
  }

  topic_policy_config {
    topics_config {
      name       = "investment_advice"
      type       = "DENY"
      definition = "Recommendations about investments, trading, pensions or loans, which the agent's tools do not cover."
      examples   = ["Which shares should I buy?", "Should I take out a mortgage now?"]
    }
  }
}

locals {
  bedrock_model_arns = [
    for id in var.bedrock_model_ids : "arn:${local.partition}:bedrock:${var.region}::foundation-model/${id}"
  ]
}
