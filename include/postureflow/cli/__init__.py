"""The `postureflow` command. Each subcommand lives in its own module here and
registers itself with ``register(subparsers)``; this module only discovers them."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="postureflow",
        description="AWS cloud security posture scans, a Parquet findings lake and compliance in DuckDB.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if module.name.startswith("_"):
            continue
        importlib.import_module(f"{__name__}.{module.name}").register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except Exception as err:  # noqa: BLE001 - the CLI reports errors as one clear line
        if getattr(args, "debug", False):
            raise
        print(f"postureflow: error: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
