"""``demo --story``: a built-in story takes none of the options of a user's CSV."""

from click.testing import CliRunner

from shadowloop.cli.main import cli


def test_a_built_in_story_refuses_a_csv_in_one_line(tmp_path):
    csv = tmp_path / "mine.csv"
    csv.write_text("x,y\n1,2\n")

    result = CliRunner().invoke(cli, ["demo", "--story", "hospital", "--data", str(csv)])

    assert result.exit_code != 0
    assert "--story tells a built-in story and --data tells yours" in result.output
    assert "Traceback" not in result.output


def test_a_built_in_story_refuses_the_options_of_a_csv_in_one_line():
    result = CliRunner().invoke(cli, ["demo", "--story", "hospital", "--shift", "age=1"])

    assert result.exit_code != 0
    assert "--shift, --group and --favourable go with --data CSV" in result.output
    assert "Traceback" not in result.output


def test_an_unknown_story_is_refused_naming_the_choices():
    result = CliRunner().invoke(cli, ["demo", "--story", "flood"])

    assert result.exit_code == 2
    assert all(f"'{name}'" in result.output for name in ("eta", "loan", "hospital"))
