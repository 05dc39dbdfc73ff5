"""The findings lake: Parquet files in Hive-style partitions, local or on S3."""

from postureflow.lake.store import Lake, default_lake_uri

__all__ = ["Lake", "default_lake_uri"]
