"""README stays true: its configuration example loads, and every command has a section."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tracker.cli import COMMANDS
from tracker.config import load_settings

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def test_readme_configuration_example_is_valid(tmp_path: Path) -> None:
    example = re.search(r"```toml\n(.*?)```", README, re.S)
    assert example, "README has a TOML example"
    path = tmp_path / "tracker.toml"
    path.write_text(example.group(1), encoding="utf-8")
    settings = load_settings(path, env={})
    assert [s.name for s in settings.sources] == ["armenpress", "gdelt-georgia-russia-crossings"]
    assert settings.derivation.authorities == ("Georgian interior ministry",)


def test_every_command_has_a_readme_section() -> None:
    headings = " ".join(re.findall(r"^### (.+)$", README, re.M))
    for command in COMMANDS:
        assert f"`tracker {command}" in headings, f"README has no section for `tracker {command}`"


def test_quick_start_is_two_commands() -> None:
    quick = README.split("## Quick start", 1)[1].split("##", 1)[0]
    block = re.search(r"```sh\n(.*?)```", quick, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]
    assert commands == ["./run demo", "./run test"]


def test_readme_demo_output_is_what_the_demo_prints(tmp_path: Path, capsys) -> None:
    from tracker.cli import main

    db, out = tmp_path / "tracker.db", tmp_path / "maps"
    assert main(["demo", "--db", str(db), "--out", str(out)]) == 0
    printed = capsys.readouterr().out.splitlines()
    shown = README.split("$ tracker demo\n", 1)[1].split("```", 1)[0].splitlines()
    fetched = [line for line in shown if line.startswith("fetched ")]
    assert fetched and fetched == [line for line in printed if line.startswith("fetched ")]
    rows = [line.split("  ")[0] for line in shown if line.startswith(("Lachin", "Rafah", "Upper"))]
    assert rows == [line.split("  ")[0] for line in printed
                    if line.startswith(("Lachin", "Rafah", "Upper"))]


@pytest.mark.parametrize("command", ["tracker history lachin", "tracker claims rafah"])
def test_readme_command_examples_start_as_the_commands_do(tmp_path: Path, capsys,
                                                          command: str) -> None:
    from tracker.cli import main

    db = tmp_path / "tracker.db"
    assert main(["demo", "--db", str(db), "--out", str(tmp_path / "maps")]) == 0
    capsys.readouterr()
    assert main([*command.split()[1:], "--db", str(db)]) == 0
    printed = capsys.readouterr().out.splitlines()
    shown = README.split(f"$ {command}\n", 1)[1].split("```", 1)[0].splitlines()
    assert shown[0] == printed[0]


def test_readme_status_json_example_is_what_the_command_prints(tmp_path: Path, capsys) -> None:
    import json

    from tracker.cli import main

    db = tmp_path / "tracker.db"
    assert main(["demo", "--db", str(db), "--out", str(tmp_path / "maps")]) == 0
    capsys.readouterr()
    assert main(["status", "lachin", "--json", "--db", str(db)]) == 0
    printed = json.loads(capsys.readouterr().out)
    shown = README.split("$ tracker status lachin --json\n", 1)[1].split("$ tracker", 1)[0]
    assert json.loads(shown) == printed
