"""`python -m analytics COMMAND`: the demo API server, data exports and user administration.

Each command lives in its own module, which offers `register(subparsers)`; the module's
parser sets `func(args) -> int` as the command to run. Modules are imported lazily so that
`fetch` never pays for FastAPI and `demo-api` never pays for the dashboard.
"""

from __future__ import annotations

import argparse
import importlib
import sys

COMMAND_MODULES = {
    "demo-api": "analytics.demo.cli",
    "fetch": "analytics.api.cli",
    "add-user": "analytics.dashboard.users_cli",
}


def build_parser(command: str | None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m analytics",
        description="IBM Video Analytics: demo API server, data exports, dashboard users.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, module_name in COMMAND_MODULES.items():
        if command in (None, name):
            importlib.import_module(module_name).register(subparsers)
        else:
            subparsers.add_parser(name)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    command = next((arg for arg in argv if arg in COMMAND_MODULES), None)
    args = build_parser(command).parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
