"""The transient errors each kind of pipeline task retries, as Step Functions names them.

Step Functions names a service integration's error ``{Service}.{ErrorCode}`` with
``Exception`` appended when the code lacks it (``SNS.ThrottledException`` for SNS's
``Throttled``). Every task that calls a service retries that service's throttling and
internal errors with backoff; anything else goes to the task's Catch.

Lambda tasks retry the Lambda service's own errors, not the handler's: a handler's S3,
SageMaker and Step Functions calls are retried inside the handler by botocore's adaptive
mode (``lambdas/shared/clients.py``: throttling and 5xx answers, up to 5 attempts, with
client-side rate limiting), so an error that reaches the state machine from a handler
is one that retrying the same call did not cure.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_stepfunctions as sfn

LAMBDA = (
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.ClientExecutionTimeoutException",
    "Lambda.TooManyRequestsException",
)
SAGEMAKER = (
    "SageMaker.ThrottlingException",
    "SageMaker.InternalFailureException",
    "SageMaker.ServiceUnavailableException",
)
# SNS answers Throttled (modelled) or the generic Throttling; KMS throttles an encrypted topic.
SNS = (
    "SNS.ThrottledException",
    "SNS.ThrottlingException",
    "SNS.InternalErrorException",
    "SNS.KMSThrottlingException",
)
# 2, 4, 8 s (each with full jitter, at most 30 s): past a throttling burst, not past an outage.
INTERVAL = Duration.seconds(2)
BACKOFF_RATE = 2
MAX_ATTEMPTS = 3
MAX_DELAY = Duration.seconds(30)


def retry(task: sfn.TaskStateBase, errors: tuple[str, ...]) -> sfn.TaskStateBase:
    """Retry ``errors`` on ``task`` with exponential backoff and full jitter."""
    task.add_retry(
        errors=list(errors),
        interval=INTERVAL,
        backoff_rate=BACKOFF_RATE,
        max_attempts=MAX_ATTEMPTS,
        max_delay=MAX_DELAY,
        jitter_strategy=sfn.JitterType.FULL,
    )
    return task
