"""README stays true: its configuration example loads, and every command has a section."""

from __future__ import annotations

import re
from pathlib import Path

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
