"""Options several subcommands share."""

from __future__ import annotations

import argparse

from postureflow.lake import Lake, default_lake_uri


def add_lake_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--lake",
        default=None,
        help="lake root: a folder or s3://bucket/prefix (default: $POSTUREFLOW_LAKE or the embedded default)",
    )


def lake_from(args: argparse.Namespace) -> Lake:
    return Lake(args.lake or default_lake_uri())
