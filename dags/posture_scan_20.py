"""Airflow DAGs: the posture scan DAGs of the accounts whose alias hashes to this file.

One of postureflow.dagfactory.SHARDS identical files: a change to one account
re-parses one small file. Parsing reads only the (cached) accounts file.
"""

from postureflow.dagfactory import build_shard

build_shard(globals(), __file__)
