"""`python -m oncall_analytics <command> [options]`: the project's command-line tools.

Each command is a module of this package with a `main(argv) -> int`;
COMMANDS maps the command's name to that module and a one-line summary.
"""
from __future__ import annotations

import importlib
import sys

COMMANDS: dict[str, tuple[str, str]] = {
    "tsg": ("tsg_rerun", "re-run the troubleshooting guide for an alert's scope (validated arguments)"),
    "eval-detector": ("eval_detector", "run the detector through dbt on a labelled folder and score it, robust and notebook side by side"),
    "notify": ("notify", "send new incidents, SLO burn-rate alerts and resolutions, exactly once"),
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in COMMANDS:
        lines = [f"  {name:<14} {summary}" for name, (_, summary) in sorted(COMMANDS.items())]
        print("usage: python -m oncall_analytics <command> [options]\n\ncommands:\n" + "\n".join(lines), file=sys.stderr)
        return 0 if argv[:1] in (["-h"], ["--help"]) else 2
    module_name, _ = COMMANDS[argv[0]]
    return importlib.import_module(f"oncall_analytics.{module_name}").main(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
