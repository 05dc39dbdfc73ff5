"""Options several subcommands share."""

from __future__ import annotations

import argparse
import os
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
    if args.lake:
        how = "--lake"
    elif os.environ.get("POSTUREFLOW_LAKE"):
        how = "from $POSTUREFLOW_LAKE"
    elif os.environ.get("AIRFLOW_HOME"):
        how = "default: $AIRFLOW_HOME/lake ($POSTUREFLOW_LAKE unset)"
    else:
        how = "default: ~/.postureflow/lake ($POSTUREFLOW_LAKE and $AIRFLOW_HOME unset)"
    if must_exist and not lake_exists(lake):
        raise LakeNotFound(f"no lake at {lake.location()} ({how}); pass --lake DIR or set POSTUREFLOW_LAKE")
    print(f"postureflow: lake {lake.location()} ({how})", file=sys.stderr)
    return lake
