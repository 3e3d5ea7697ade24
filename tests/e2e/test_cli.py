"""The `shadowloop` command against a local cloud: output, progress, one-line errors."""

from __future__ import annotations

import signal
import socket

import pytest
from click.testing import CliRunner

import infra.config as infra_config
from infra.config import load_from_cdk_json
from shadowloop.cli import common
from shadowloop.cli.main import cli
from shadowloop.ops import localserver
from shadowloop.ops import target as targets
from tests.e2e.conftest import generate

pytestmark = pytest.mark.e2e


@pytest.fixture
def run(monkeypatch, target):
    """Invoke the CLI with --target local resolving to the in-process cloud."""
    monkeypatch.setattr(common, "resolve", lambda name: target)
    runner = CliRunner()
    return lambda *args: runner.invoke(cli, list(args))


def test_push_train_and_list_models(run, target, tmp_path):
    # Given a CSV of deliveries
    data = tmp_path / "deliveries.csv"
    generate("baseline", 1500, 0).to_csv(data, index=False)

    # When it is pushed, trained on and listed
    pushed = run("data", "push", str(data), "--dataset", "delivery-eta")
    trained = run("train")
    listed = run("models")

    # Then push printed the S3 VersionId, train followed the run to its package
    head = target.client("s3").head_object(
        Bucket=target.output("DataBucketName"), Key="datasets/delivery-eta/data.csv"
    )
    assert pushed.exit_code == 0 and pushed.output.strip() == head["VersionId"]
    assert trained.exit_code == 0, trained.output
    assert "ValidateData" in trained.output and "Register" in trained.output
    assert "registered arn:aws:sagemaker:" in trained.output
    # And the registry lists it with its metric and dataset version
    assert listed.exit_code == 0
    assert "rmse=" in listed.output and head["VersionId"][:8] in listed.output


def test_errors_are_one_line_with_a_non_zero_exit(run, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")

    bad_file = run("data", "push", str(empty), "--dataset", "delivery-eta")
    assert bad_file.exit_code == 1
    assert bad_file.output.strip() == f"error: {empty} is empty"

    unknown_version = run("train", "--version-id", "no-such-version")
    assert unknown_version.exit_code == 1
    (last,) = [line for line in unknown_version.output.splitlines() if line.startswith("error:")]
    assert "no-such-version" in last and "Traceback" not in unknown_version.output

    missing = run("data", "push", str(tmp_path / "nope.csv"), "--dataset", "x")
    assert missing.exit_code == 2 and "does not exist" in missing.output


def test_no_running_local_cloud_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setattr(targets, "STATE_FILE", tmp_path / "local.json")
    monkeypatch.setattr(
        common, "resolve", lambda name: targets.local_target(state_file=tmp_path / "local.json")
    )
    result = CliRunner().invoke(cli, ["models"])
    assert result.exit_code == 1
    assert result.output.startswith("error: no local cloud is running")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_local_up_serves_other_processes_over_http(monkeypatch, tmp_path):
    # Given `shadowloop local up`: moto's server with the stacks deployed into it
    state = tmp_path / "local.json"
    monkeypatch.setattr(targets, "STATE_FILE", state)
    monkeypatch.setattr(localserver, "STATE_FILE", state)
    running = localserver.start(
        workdir=tmp_path / "cloud",
        config=load_from_cdk_json(),
        moto_port=_free_port(),
        api_port=None,
    )
    try:
        # When another client finds it through the state file and pushes and trains
        remote = targets.local_target(state_file=state)
        assert remote.endpoint_url == running.moto_url
        data = tmp_path / "deliveries.csv"
        generate("baseline", 1200, 0).to_csv(data, index=False)
        monkeypatch.setattr(common, "resolve", lambda name: remote)
        runner = CliRunner()
        pushed = runner.invoke(cli, ["data", "push", str(data), "--dataset", "delivery-eta"])
        trained = runner.invoke(cli, ["train"])
    finally:
        running.stop()

    # Then the run succeeded through HTTP alone
    assert pushed.exit_code == 0, pushed.output
    assert trained.exit_code == 0, trained.output
    assert "registered" in trained.output
    assert not state.exists()


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_local_up_takes_the_api_port_as_port_and_moto_as_moto_port(monkeypatch, tmp_path):
    # Given two free ports, the state file kept out of the project, and a stage of its own:
    # moto's accounts outlive a server in this process, so two clouds of one name collide
    with socket.socket() as api, socket.socket() as moto:
        api.bind(("127.0.0.1", 0))
        moto.bind(("127.0.0.1", 0))
        api_port, moto_port = api.getsockname()[1], moto.getsockname()[1]
    monkeypatch.setattr(
        infra_config, "load_from_cdk_json", lambda: load_from_cdk_json(stage="ports")
    )
    state = tmp_path / "local.json"
    monkeypatch.setattr(targets, "STATE_FILE", state)
    monkeypatch.setattr(localserver, "STATE_FILE", state)
    listening: dict[str, bool] = {}

    def look_while_up() -> None:
        # In place of waiting for Ctrl-C: see what answers on each port, then stop.
        listening.update(api=_listening(api_port), moto=_listening(moto_port))

    monkeypatch.setattr(common.signal, "pause", look_while_up)
    previous = signal.getsignal(signal.SIGTERM)

    # When `local up` starts with --port and --moto-port, as `serve` takes them
    try:
        result = CliRunner().invoke(
            cli, ["local", "up", "--port", str(api_port), "--moto-port", str(moto_port)]
        )
    finally:
        signal.signal(signal.SIGTERM, previous)

    # Then the API served on --port and the AWS endpoint on --moto-port
    assert result.exit_code == 0, result.output
    assert f"AWS endpoint http://127.0.0.1:{moto_port}" in result.output
    assert f"API http://127.0.0.1:{api_port}" in result.output
    assert listening == {"api": True, "moto": True}
    assert not state.exists()


def test_serve_and_local_up_name_their_ports_alike():
    from shadowloop.cli.local import up
    from shadowloop.cli.serving import serve

    def ports(command):
        return {p.name: (p.opts, p.help) for p in command.params if p.name.endswith("port")}

    assert ports(serve)["moto_port"] == ports(up)["moto_port"]
    assert ports(serve)["port"][0] == ports(up)["port"][0] == ["--port"]
    assert "REST API" in ports(serve)["port"][1] and "REST API" in ports(up)["port"][1]
