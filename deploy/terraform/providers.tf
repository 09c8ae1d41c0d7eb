provider "aws" {
  region = var.region

  default_tags {
    tags = merge(var.tags, { Project = var.project_name })
  }
}

provider "awscc" {
  region = var.region
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  name       = var.project_name
  # Lex locale ids use an underscore (en_GB); the first one is the agent's default locale.
  locales        = toset(var.LOCALE)
  default_locale = var.LOCALE[0]
}
