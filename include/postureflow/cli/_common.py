"""Options several subcommands share."""

from __future__ import annotations

import argparse
import sys

from postureflow.lake import Lake, default_lake_uri


class LakeNotFound(ValueError):
    """The lake a reading command was pointed at does not exist."""


def add_lake_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--lake",
        default=None,
        help="lake root: a folder or s3://bucket/prefix (default: $POSTUREFLOW_LAKE, else $AIRFLOW_HOME/lake, "
        "else ~/.postureflow/lake)",
    )


def lake_exists(lake: Lake) -> bool:
    import pyarrow.fs as pafs

    return lake.fs.get_file_info(lake.root).type == pafs.FileType.Directory


def lake_from(args: argparse.Namespace, must_exist: bool = True) -> Lake:
    """The lake of ``--lake`` or the default; says which on stderr (one line).

    A command that reads the lake (``must_exist``) fails on a lake that does not
    exist instead of answering with nothing.
    """
    lake = Lake(args.lake or default_lake_uri())
    how = "--lake" if args.lake else "default: $POSTUREFLOW_LAKE, else $AIRFLOW_HOME/lake, else ~/.postureflow/lake"
    if must_exist and not lake_exists(lake):
        raise LakeNotFound(f"no lake at {lake.location()} ({how}); pass --lake DIR or set POSTUREFLOW_LAKE")
    print(f"postureflow: lake {lake.location()} ({how})", file=sys.stderr)
    return lake
