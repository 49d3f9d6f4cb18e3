"""The commands the README shows, read from its fenced code blocks, so that a
test runs each one as written and the README cannot drift from what is tested.

Every fenced block names its language: `sh` (shell commands, one a line; a
trailing `\\` continues a line, `#` starts a comment), `cron` (crontab lines:
five time fields, then a command; `#` lines are comments), `yaml` (an
excerpt of the project's configuration: `yaml_blocks` gives them to a test
that holds them to dbt_project.yml) or `text` (no commands: diagrams,
output). A block without a language, or in another one,
is an error until the README says what it is."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

COMMAND_LANGUAGES = {"sh", "cron"}
OTHER_LANGUAGES = {"text", "yaml"}
_FENCE = re.compile(r"^```(\S*)\s*$")
_CRON_JOB = re.compile(r"^\s*((?:\S+\s+){4}\S+)\s+(\S.*)$")
# README commands another test file runs as written, in a user's shell in the project folder, because its
# checks need what the command leaves (test_readme_commands would run the same command a second time): the
# command, and the file. make reads a variable from the environment too, so such a file may set one there.
RUN_BY_OTHER_FILES = {"make eval-detector DATA=python_checks/fixtures/labelled_sample": "test_eval_detector.py"}


@dataclass(frozen=True)
class ReadmeCommand:
    text: str                  # the command as written (comments dropped, continued lines joined)
    language: str              # sh or cron
    line: int                  # where it starts in the README (1-based)
    schedule: str | None = None  # a crontab line's five time fields


def readme_commands(path: Path) -> list[ReadmeCommand]:
    commands: list[ReadmeCommand] = []
    language, pending, pending_line = None, "", 0
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        fence = _FENCE.match(line)
        if fence and language is None:
            language = fence.group(1)
            if language not in COMMAND_LANGUAGES | OTHER_LANGUAGES:
                raise ValueError(f"{path.name}:{number}: a code block in {language or 'no language'!r}; "
                                 f"name it {sorted(COMMAND_LANGUAGES | OTHER_LANGUAGES)} so the README test knows what it holds")
            continue
        if fence:
            if pending:
                raise ValueError(f"{path.name}:{pending_line}: a command continued past the end of its block")
            language = None
            continue
        if language not in COMMAND_LANGUAGES:
            continue
        text = _without_comment(line).strip()
        if not text:
            continue
        if language == "sh":
            pending_line = pending_line if pending else number
            if text.endswith("\\"):
                pending += text[:-1].rstrip() + " "
                continue
            commands.append(ReadmeCommand(pending + text, "sh", pending_line))
            pending = ""
        else:
            job = _CRON_JOB.match(text)
            if not job:
                raise ValueError(f"{path.name}:{number}: not a crontab line (five time fields, then a command): {line!r}")
            commands.append(ReadmeCommand(job.group(2).strip(), "cron", number, re.sub(r"\s+", " ", job.group(1))))
    if language is not None:
        raise ValueError(f"{path.name}: a code block is never closed")
    return commands


def _without_comment(line: str) -> str:
    """The line up to a shell comment: a `#` at the start or after a blank, outside quotes."""
    quote = None
    for index, char in enumerate(line):
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or line[index - 1].isspace()):
            return line[:index]
    return line


def yaml_blocks(path: Path) -> list[tuple[int, str]]:
    """The README's `yaml` blocks: (line of the opening fence, text)."""
    blocks, current, start = [], None, 0
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if current is None and line.strip() == "```yaml":
            current, start = [], number
        elif current is not None and _FENCE.match(line):
            blocks.append((start, "\n".join(current)))
            current = None
        elif current is not None:
            current.append(line)
    return blocks


def users_shell_env(**settings: str) -> dict[str, str]:
    """A user's shell: this environment without pytest's make and warehouse settings, plus `settings`."""
    env = {k: v for k, v in os.environ.items()
           if k not in {"DBT_DUCKDB_PATH", "MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEOVERRIDES"}}
    return {**env, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", **settings}
