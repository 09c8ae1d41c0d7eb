# The Lex V2 bot: a pass-through (seed 2 "Lex Bot Configuration"). Every utterance falls to
# FallbackIntent, whose fulfillment code hook is our Lambda (switchboard.aws.lex); the
# Lambda answers ElicitIntent to go on, or Close with intent TransferToAgent (declared here
# so that Lex accepts it; it also reaches the Lambda) and the handover session attributes.
#
# Built with awscc (CloudFormation AWS::Lex::Bot / BotVersion / BotAlias) because the aws
# provider's aws_lexv2models_* resources create each locale with its FallbackIntent already
# present — aws_lexv2models_intent cannot declare a second one and can only import it once
# the bot id is known (a second apply) — and aws_lexv2models_bot_alias is not a finished
# resource yet. One apply builds the locales (auto_build_bot_locales), a version and the
# alias with conversation logs and the code hook.

resource "awscc_lex_bot" "main" {
  name                        = "${local.name}-banking"
  description                 = "switchboard banking agent: Lex passes every utterance to the agent Lambda"
  role_arn                    = aws_iam_role.lex.arn
  idle_session_ttl_in_seconds = 900
  auto_build_bot_locales      = true

  data_privacy = {
    child_directed = false
  }

  bot_locales = [
    for locale in var.LOCALE : {
      locale_id = locale
      # Lex only ever needs FallbackIntent: keep the threshold high so nothing else matches.
      nlu_confidence_threshold = 0.95
      intents = [
        {
          name                    = "FallbackIntent"
          description             = "Catches all user input and passes it to the agent Lambda"
          parent_intent_signature = "AMAZON.FallbackIntent"
          fulfillment_code_hook   = { enabled = true }
          dialog_code_hook        = { enabled = false }
        },
        {
          name                  = "TransferToAgent"
          description           = "The agent Lambda closes with this intent when it hands the contact over"
          fulfillment_code_hook = { enabled = true }
          dialog_code_hook      = { enabled = false }
          sample_utterances = [
            { utterance = "transfer me to an agent" },
          ]
        },
      ]
    }
  ]
}

resource "awscc_lex_bot_version" "main" {
  bot_id      = awscc_lex_bot.main.id
  description = "Built from the DRAFT of ${local.name}-banking"
  bot_version_locale_specification = [
    for locale in var.LOCALE : {
      locale_id                  = locale
      bot_version_locale_details = { source_bot_version = "DRAFT" }
    }
  ]
}

resource "awscc_lex_bot_alias" "prod" {
  bot_id         = awscc_lex_bot.main.id
  bot_alias_name = "prod"
  bot_version    = awscc_lex_bot_version.main.bot_version
  description    = "Seed 2 alias: conversation logs to CloudWatch, agent Lambda as code hook"

  bot_alias_locale_settings = [
    for locale in var.LOCALE : {
      locale_id = locale
      bot_alias_locale_setting = {
        enabled = true
        code_hook_specification = {
          lambda_code_hook = {
            code_hook_interface_version = "1.0"
            lambda_arn                  = aws_lambda_function.fn["lex_hook"].arn
          }
        }
      }
    }
  ]

  conversation_log_settings = {
    text_log_settings = [
      {
        enabled = true
        destination = {
          cloudwatch = {
            cloudwatch_log_group_arn = aws_cloudwatch_log_group.lex.arn
            log_prefix               = "lex-logs"
          }
        }
      }
    ]
  }

  sentiment_analysis_settings = {
    detect_sentiment = false
  }

  depends_on = [aws_lambda_permission.lex, aws_iam_role_policy.lex]
}
