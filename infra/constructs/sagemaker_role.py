"""The execution role SageMaker training, processing and endpoints run as."""

from __future__ import annotations

from aws_cdk import ArnFormat, Aws, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.constructs.nag import GRANT_WILDCARDS, suppress_wildcards
from lambdas.shared.contracts import layout


class SageMakerRole(Construct):
    """Reads datasets and artifacts, writes artifacts and captures, pulls the scikit-learn image."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        prefix: str,
        key: kms.IKey,
        data_bucket: s3.IBucket,
        artifact_bucket: s3.IBucket,
        capture_bucket: s3.IBucket,
        code_bucket_name: str,
        code_object_keys: list[str],
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.role = iam.Role(
            self,
            "Role",
            # Only SageMaker acting for this account's own jobs, models and endpoints.
            assumed_by=iam.ServicePrincipal(
                "sagemaker.amazonaws.com",
                conditions={
                    "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
                    "ArnLike": {
                        "aws:SourceArn": f"arn:{Aws.PARTITION}:sagemaker:{Aws.REGION}:"
                        f"{Aws.ACCOUNT_ID}:*"
                    },
                },
            ),
            description=f"Runs {prefix} training, evaluation and endpoints",
        )
        data_bucket.grant_read(self.role)
        # The validation job uploads the report ValidateData would have written, nothing else.
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:PutObject"],
                resources=[data_bucket.arn_for_objects(layout.report_prefix("*") + "*")],
            )
        )
        artifact_bucket.grant_read_write(self.role)
        capture_bucket.grant_put(self.role)
        key.grant_encrypt_decrypt(self.role)
        self._allow_code(code_bucket_name, code_object_keys)
        self._allow_image(stack)
        self._allow_logs_and_metrics(stack)
        suppress_wildcards(
            self.role,
            "Grants on the project's own buckets and key; SageMaker names its log groups per job; "
            "ECR auth and CloudWatch metrics have no resource scope (metrics are limited by "
            "namespace); the image registry account differs per region.",
            *GRANT_WILDCARDS,
            r"^Resource::\*$",
            r"^Resource::arn:.*:ecr:.*:\*:repository/sagemaker-scikit-learn$",
            r"^Resource::arn:.*:logs:.*:log-group:/aws/sagemaker/\*.*$",
        )

    def _allow_code(self, code_bucket_name: str, code_object_keys: list[str]) -> None:
        """Read the training code and the model spec."""
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:GetObject"],
                resources=[f"arn:{Aws.PARTITION}:s3:::{code_bucket_name}/*"],
            )
        )
        # Jobs read the code and the model spec as S3Prefix inputs, which SageMaker lists first.
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:ListBucket"],
                resources=[f"arn:{Aws.PARTITION}:s3:::{code_bucket_name}"],
                conditions={"StringEquals": {"s3:prefix": code_object_keys}},
            )
        )

    def _allow_image(self, stack: Stack) -> None:
        """Pull SageMaker's scikit-learn image."""
        # ECR authorization has no resource scope.
        self.role.add_to_policy(
            iam.PolicyStatement(actions=["ecr:GetAuthorizationToken"], resources=["*"])
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=[
                    "ecr:BatchCheckLayerAvailability",
                    "ecr:BatchGetImage",
                    "ecr:GetDownloadUrlForLayer",
                ],
                # SageMaker's image registry account differs per region.
                resources=[
                    stack.format_arn(
                        service="ecr",
                        account="*",
                        resource="repository",
                        resource_name="sagemaker-scikit-learn",
                    )
                ],
            )
        )

    def _allow_logs_and_metrics(self, stack: Stack) -> None:
        """Write the jobs' and endpoints' logs and SageMaker's metrics."""
        log_groups = stack.format_arn(
            service="logs",
            resource="log-group",
            resource_name="/aws/sagemaker/*",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=[
                    "logs:CreateLogGroup",
                    "logs:CreateLogStream",
                    "logs:PutLogEvents",
                    "logs:DescribeLogStreams",
                ],
                resources=[log_groups, f"{log_groups}:log-stream:*"],
            )
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=["cloudwatch:PutMetricData"],
                resources=["*"],
                conditions={"StringLike": {"cloudwatch:namespace": "/aws/sagemaker/*"}},
            )
        )
