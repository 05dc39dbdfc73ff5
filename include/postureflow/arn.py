"""ARNs: parse, build, and tell a region's partition from botocore's own data.

Every ARN postureflow builds or takes apart goes through here, so GovCloud
(``aws-us-gov``) and China (``aws-cn``) accounts get ARNs in their own
partition rather than a hard-coded ``aws``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import botocore.loaders

DEFAULT_PARTITION = "aws"


@functools.lru_cache(maxsize=1)
def _partitions() -> list[dict]:
    return botocore.loaders.create_loader().load_data("endpoints")["partitions"]


@functools.lru_cache(maxsize=512)
def partition_of(region: str | None) -> str:
    """The partition a region belongs to (``us-gov-west-1`` -> ``aws-us-gov``); ``aws`` when unknown."""
    if not region:
        return DEFAULT_PARTITION
    for partition in _partitions():
        if region in partition.get("regions", {}):
            return partition["partition"]
    for partition in _partitions():
        if re.match(partition["regionRegex"], region):
            return partition["partition"]
    return DEFAULT_PARTITION


@functools.lru_cache(maxsize=1)
def known_regions() -> dict[str, str]:
    """Every region botocore knows, opt-in ones included: region -> partition."""
    return {region: p["partition"] for p in _partitions() for region in p.get("regions", {})}


@dataclass(frozen=True)
class Arn:
    partition: str
    service: str
    region: str
    account: str
    resource: str

    def __str__(self) -> str:
        return f"arn:{self.partition}:{self.service}:{self.region}:{self.account}:{self.resource}"

    @property
    def resource_type(self) -> str:
        """``role`` for ``role/path/name``, ``function`` for ``function:name``; '' when there is none."""
        for sep in ("/", ":"):
            if sep in self.resource:
                return self.resource.split(sep, 1)[0]
        return ""

    @property
    def resource_name(self) -> str:
        """The last element of the resource part (a role's name without its path, a function's name)."""
        return re.split(r"[/:]", self.resource)[-1]


def parse(value: str) -> Arn | None:
    """The ARN's parts, or ``None`` when ``value`` is not an ARN."""
    if not isinstance(value, str) or not value.startswith("arn:"):
        return None
    parts = value.split(":", 5)
    if len(parts) != 6:
        return None
    return Arn(*parts[1:])


def build(service: str, resource: str, *, region: str = "", account: str = "", partition: str | None = None) -> str:
    """An ARN; the partition follows from the region unless given."""
    return str(Arn(partition or partition_of(region), service, region, account, resource))


def account_of(value: str) -> str | None:
    """The account id in an ARN (or a bare 12-digit id); ``None`` for anything else."""
    if isinstance(value, str) and re.fullmatch(r"\d{12}", value):
        return value
    parsed = parse(value)
    return parsed.account if parsed and parsed.account else None


def region_of(value: str) -> str | None:
    parsed = parse(value)
    return parsed.region if parsed and parsed.region else None


def name_of(value: str) -> str:
    """The resource's short name: the last element of an ARN's resource, or the value itself."""
    parsed = parse(value)
    return parsed.resource_name if parsed else value
