"""IAM, resource and key policies, evaluated by the local cloud on the deployed stacks.

Each test takes one grant away (as a changed template would) and shows that the call
AWS would refuse is refused, naming principal, action and resource; the suites that
run the whole loop show that with every grant in place everything is allowed.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator

import pytest
from botocore.exceptions import ClientError
from moto.sns.models import sns_backends

from infra.config import ROOT
from shadowloop.localcloud.access.policy import Decision, decide_resource
from shadowloop.localcloud.access.principals import Principal, acting_as
from shadowloop.localcloud.cloud import LocalCloud
from shadowloop.localcloud.functions import FunctionFailed
from shadowloop.ops import localserver
from tests.e2e.conftest import DATASET, generate, push

# One account for the module (one worker): each test restores what it takes away.
pytestmark = pytest.mark.xdist_group("access")
ACCOUNT = "123456789012"


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloud]:
    local = LocalCloud(workdir=tmp_path_factory.mktemp("access"))
    local.start(assembly_cache=ROOT / ".shadowloop" / "assembly")
    yield local
    local.stop()


@pytest.fixture(scope="module")
def target(cloud):
    return localserver.target_for(cloud)


def _role(cloud: LocalCloud, fragment: str) -> str:
    names = [r["RoleName"] for r in cloud.client("iam").list_roles()["Roles"]]
    (name,) = [n for n in names if fragment in n]
    return name


@contextlib.contextmanager
def revoked(cloud: LocalCloud, role_fragment: str, action: str) -> Iterator[str]:
    """Take ``action`` out of every inline policy of the role; yields the role's ARN."""
    iam = cloud.client("iam")
    role = _role(cloud, role_fragment)
    originals = {
        name: iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
        for name in iam.list_role_policies(RoleName=role)["PolicyNames"]
    }
    for name, document in originals.items():
        statements = []
        for statement in document["Statement"]:
            actions = (
                statement["Action"]
                if isinstance(statement["Action"], list)
                else [statement["Action"]]
            )
            kept = [a for a in actions if a != action]
            if kept:
                statements.append({**statement, "Action": kept})
        iam.put_role_policy(
            RoleName=role,
            PolicyName=name,
            PolicyDocument=json.dumps({**document, "Statement": statements}),
        )
    try:
        yield iam.get_role(RoleName=role)["Role"]["Arn"]
    finally:
        for name, document in originals.items():
            iam.put_role_policy(RoleName=role, PolicyName=name, PolicyDocument=json.dumps(document))


@contextlib.contextmanager
def without_key_statement(cloud: LocalCloud, sid: str) -> Iterator[None]:
    kms = cloud.client("kms")
    key = cloud.output("KmsKeyArn")
    original = kms.get_key_policy(KeyId=key, PolicyName="default")["Policy"]
    document = json.loads(original)
    document["Statement"] = [s for s in document["Statement"] if s.get("Sid") != sid]
    kms.put_key_policy(KeyId=key, PolicyName="default", Policy=json.dumps(document))
    try:
        yield
    finally:
        kms.put_key_policy(KeyId=key, PolicyName="default", Policy=original)


def _notifications(cloud: LocalCloud) -> list[str]:
    topic = sns_backends[ACCOUNT]["us-east-1"].topics[cloud.output("TopicArn")]
    return [message for _, message, *_ in topic.sent_notifications]


def _task_failures(cloud: LocalCloud, execution_arn: str) -> list[dict]:
    events = cloud.client("stepfunctions").get_execution_history(executionArn=execution_arn)
    return [e["taskFailedEventDetails"] for e in events["events"] if "taskFailedEventDetails" in e]


def test_a_function_is_refused_what_its_role_lacks(cloud, target):
    # Given a pushed dataset and a validate-data role without s3:PutObject
    version = push(target, generate("baseline", rows=200, seed=3))
    function = cloud.function_name("validate-data")
    event = {"run_id": "access-denied", "dataset": DATASET, "version_id": version}
    with revoked(cloud, "ValidateData", "s3:PutObject"), pytest.raises(FunctionFailed) as failed:
        # When the real handler runs as that role
        cloud.invoke(function, event)

    # Then S3 refuses its first write (the report), naming the role's session, action, object
    message = str(failed.value)
    assert "(AccessDenied) when calling the PutObject operation" in message
    assert f"assumed-role/{_role(cloud, 'ValidateData')}/{function}" in message
    assert "is not authorized to perform: s3:PutObject on resource: arn:aws:s3:::" in message
    assert f"/reports/validation/{DATASET}/{version}.json because no identity-based" in message

    # And with the grant back the same call succeeds
    assert cloud.invoke(function, event)["version_id"] == version


def test_a_publish_to_the_encrypted_topic_needs_the_key(cloud):
    # Given a run that fails at once (no such dataset version), so it goes to NotifyFailed
    before = len(_notifications(cloud))
    with revoked(cloud, "StateMachineRole", "kms:GenerateDataKey") as role:
        # When the state machine's role may publish but not use the topic's key
        run = cloud.run_pipeline(dataset=DATASET, version_id="no-such-version")

    # Then SNS refuses the publish with the KMS error, and nobody is notified
    assert run.status == "FAILED"
    (publish,) = [f for f in _task_failures(cloud, run.arn) if f["resourceType"] == "sns"]
    assert publish["error"] == "SNS.KMSAccessDeniedException"
    assert f"assumed-role/{role.rsplit('/', 1)[-1]}/" in publish["cause"]
    assert (
        "is not authorized to perform: kms:GenerateDataKey on resource: arn:aws:kms:"
        in (publish["cause"])
    )
    assert len(_notifications(cloud)) == before

    # And with the key grant (as deployed) the same failure is notified
    again = cloud.run_pipeline(dataset=DATASET, version_id="no-such-version")
    assert again.status == "FAILED"
    assert json.loads(_notifications(cloud)[-1])["status"] == "failed"


def test_an_alarm_notifies_through_the_encrypted_topic(cloud):
    # Given the deployed alarm on failed pipeline runs
    alarm = f"{cloud.config.prefix}-pipeline-failed"

    # When it fires, CloudWatch publishes as its service principal
    fired = cloud.fire_alarm(alarm)

    # Then the topic and key policies let it: the notification names the alarm
    assert fired.failed == []
    assert json.loads(_notifications(cloud)[-1])["AlarmName"] == alarm


def test_an_alarm_cannot_notify_without_its_key_policy_statement(cloud):
    # Given a key policy that trusts only the account (IAM cannot grant a service principal)
    before = len(_notifications(cloud))
    with without_key_statement(cloud, "AlarmsUseTheTopicKey"):
        # When the alarm fires
        fired = cloud.fire_alarm(f"{cloud.config.prefix}-pipeline-failed")

    # Then its action fails, naming CloudWatch, the KMS action and the key, and nothing is sent
    (outcome,) = fired.failed
    assert outcome.error.startswith(
        "User: cloudwatch.amazonaws.com is not authorized to perform: kms:GenerateDataKey "
        f"on resource: {cloud.output('KmsKeyArn')}"
    )
    assert len(_notifications(cloud)) == before


def test_the_sagemaker_role_trusts_only_this_accounts_sagemaker(cloud):
    # Given the deployed SageMaker role's trust policy
    role = cloud.output("SageMakerRoleArn")
    trust = cloud.access.store.trust_policy(role)
    job = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:training-job/run-train"

    def assume(source_account: str, source_arn: str) -> Decision:
        context = {"aws:SourceAccount": source_account, "aws:SourceArn": source_arn}
        sagemaker = Principal.aws_service("sagemaker.amazonaws.com", source_arn=source_arn)
        decision, _ = decide_resource(trust, sagemaker, "sts:AssumeRole", role, context)
        return decision

    # Then SageMaker may assume it for this account's jobs, and not as a confused deputy
    assert assume(ACCOUNT, job) is Decision.ALLOW
    assert assume("210987654321", job.replace(ACCOUNT, "210987654321")) is Decision.NONE


def test_jobs_list_their_s3_prefix_inputs(cloud, target):
    # Given a SageMaker role without s3:ListBucket (it keeps s3:GetObject on the code)
    version = push(target, generate("baseline", rows=400, seed=4))
    with revoked(cloud, "SageMakerRole", "s3:ListBucket"):
        # When a run reaches the training job, whose model-spec input is an S3Prefix
        run = cloud.run_pipeline(dataset=DATASET, version_id=version)

    # Then the job fails: SageMaker cannot list the spec prefix as the role
    assert run.status == "FAILED"
    assert run.error == "TrainingFailed"
    assert "s3:ListBucket" in run.cause and "(AccessDenied)" in run.cause


def test_a_guarded_promotion_needs_the_rollback_alarms(cloud, target):
    # Given a champion and a better challenger in shadow
    for rows, seed in ((150, 5), (2000, 6)):
        run = cloud.run_pipeline(
            dataset=DATASET, version_id=push(target, generate("baseline", rows=rows, seed=seed))
        )
        assert run.status == "SUCCEEDED", (run.error, run.cause)
        assert run.output["gate"]["decision"] == "pass", run.cause
    deploy = cloud.function_name("deploy")
    challenger = cloud.invoke(deploy, {"action": "describe"})["challenger"]
    assert challenger

    # When the promotion's blue/green update names rollback alarms the SageMaker role cannot read
    with (
        revoked(cloud, "SageMakerRole", "cloudwatch:DescribeAlarms"),
        pytest.raises(FunctionFailed) as failed,
    ):
        cloud.invoke(deploy, {"action": "promote"})

    # Then SageMaker refuses the update, naming its role session, the action and the alarm
    message = str(failed.value)
    assert "(AccessDeniedException) when calling the UpdateEndpoint operation" in message
    assert "/SageMaker is not authorized to perform: cloudwatch:DescribeAlarms" in message
    assert f":alarm:{cloud.config.prefix}-champion-" in message

    # And with the grant the challenger is promoted
    assert cloud.invoke(deploy, {"action": "promote"})["champion"] == challenger


def test_the_quality_check_reads_calibrations_and_no_other_run_artifact(cloud):
    # Given a run's calibration and its evaluation beside it in the artifact bucket
    s3, bucket = cloud.client("s3"), cloud.output("ArtifactBucketName")
    for name in ("calibration.json", "evaluation.json"):
        s3.put_object(Bucket=bucket, Key=f"runs/run-1/evaluation/{name}", Body=b"{}")
    iam = cloud.client("iam")
    role = iam.get_role(RoleName=_role(cloud, "QualityCheck"))["Role"]["Arn"]

    # When the quality check's role reads them
    with acting_as(Principal.role(role, session="quality-check")):
        calibration = s3.get_object(Bucket=bucket, Key="runs/run-1/evaluation/calibration.json")
        with pytest.raises(ClientError) as refused:
            s3.get_object(Bucket=bucket, Key="runs/run-1/evaluation/evaluation.json")

    # Then it may read the calibration (SSE-KMS decrypted for it) and nothing else of the run
    assert calibration["Body"].read() == b"{}"
    assert refused.value.response["Error"]["Code"] == "AccessDenied"
    assert "s3:GetObject on resource: arn:aws:s3:::" in str(refused.value)
