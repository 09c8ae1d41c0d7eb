# switchboard on AWS (seeds 1 and 2): Lex V2 → Lambda → agent, Connect queues and flows,
# DynamoDB, an encrypted S3 audit bucket, CloudWatch logs and alarms, least-privilege IAM.
#
# Providers:
#   hashicorp/aws     — everything except the Lex V2 bot;
#   hashicorp/awscc   — the Lex V2 bot, version and alias (CloudFormation AWS::Lex::Bot*):
#                       the aws provider's aws_lexv2models_intent cannot take over the
#                       FallbackIntent Lex creates with every locale in one apply, and it has
#                       no finished bot-alias resource for conversation logs and the Lambda
#                       code hook (see lex.tf);
#   hashicorp/archive — packages the Lambda code from this repository.
terraform {
  required_version = ">= 1.6.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.80.0"
    }
    awscc = {
      source  = "hashicorp/awscc"
      version = ">= 1.20.0"
    }
    archive = {
      source  = "hashicorp/archive"
      version = ">= 2.4.0"
    }
  }

  # Remote state (seed 1 "Remote State Management"): create an S3 bucket (versioned,
  # SSE-KMS) and a DynamoDB table with a string partition key "LockID" once, by hand,
  # then uncomment, fill in and run `terraform init -migrate-state`.
  #
  # backend "s3" {
  #   bucket         = "my-terraform-state-bucket"
  #   key            = "switchboard/terraform.tfstate"
  #   region         = "eu-west-2"
  #   dynamodb_table = "my-terraform-lock-table"
  #   encrypt        = true
  #   kms_key_id     = "alias/my-terraform-state-key"
  # }
}
