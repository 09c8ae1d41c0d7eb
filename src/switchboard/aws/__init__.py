"""AWS entry points and adapters: Lambda handlers for Lex V2 and Amazon Connect, DynamoDB, S3.

Nothing here imports boto3 at import time; the adapters import it lazily and
raise :class:`switchboard.errors.ConfigError` with an install hint
(``pip install 'switchboard[aws]'``) when it is missing.

Modules:

* :mod:`switchboard.aws.lex` — the Lex V2 code hook (``lex.lambda_handler``).
* :mod:`switchboard.aws.connect` — Amazon Connect Lambda invocations
  (``connect.callback_handler``, ``connect.lookup_handler``).
* :mod:`switchboard.aws.session` — the contact's state carried in Lex session
  attributes and the per-container in-memory store it is loaded into.
* :mod:`switchboard.aws.dynamo` — DynamoDB tables: hallucination logs, callbacks, customers.
* :mod:`switchboard.aws.s3` — the S3 audit sink (SSE-KMS).
* :mod:`switchboard.aws.settings` — ``SWITCHBOARD_AWS_*`` settings of the Lambdas.
* ``events/`` — sample invocation events, shaped after the AWS documentation.
"""
