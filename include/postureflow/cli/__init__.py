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
        print(f"postureflow: error: {_corrupt_file_named(args, err) or err}", file=sys.stderr)
        return 1


def _corrupt_file_named(args: argparse.Namespace, err: Exception) -> str | None:
    """For a read error of a command that reads the lake: the corrupt file behind it, named with what to
    do about it (DuckDB's and Arrow's messages name no file)."""
    from postureflow.lake.errors import CorruptLakeFile

    if isinstance(err, CorruptLakeFile) or not hasattr(args, "lake"):
        return None
    try:
        from postureflow.lake import Lake, default_lake_uri
        from postureflow.lake.query import corrupt_behind

        lake = Lake(args.lake or default_lake_uri())
        if not lake.is_local:  # on S3 finding it would read every object: `postureflow lake check` does
            return None
        corrupt = corrupt_behind(lake, err)
    except Exception:  # noqa: BLE001 - the original error is still reported
        return None
    if not corrupt:
        return None
    path, reason = corrupt[0]
    return str(CorruptLakeFile(lake.storage.location(path), reason))


if __name__ == "__main__":
    sys.exit(main())
