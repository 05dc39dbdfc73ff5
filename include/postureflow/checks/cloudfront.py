"""CloudFront checks: certificates, logging, origins and WAF of each distribution.

Origin checks judge only the distributions that have origins of the kind they
are about (S3 REST origins, or custom origins), and name the offending ones.
"""

from __future__ import annotations

from postureflow.checks.base import FAIL, MANUAL, PASS, check

DEPRECATED_PROTOCOLS = ("SSLv3", "TLSv1", "TLSv1.1")
RESOURCE = "AwsCloudFrontDistribution"


def _origins(distribution, kind: str) -> list[dict]:
    return [o for o in distribution.get("origins") or [] if o.get("kind") == kind]


def _ids(origins: list[dict]) -> str:
    return ", ".join(str(o.get("id")) for o in origins)


@check(
    id="cloudfront_distributions_custom_ssl_certificate",
    title="CloudFront distribution uses its own TLS certificate",
    severity="medium",
    resource_type=RESOURCE,
    reads=["cloudfront.distributions"],
    risk="With only the default *.cloudfront.net certificate, the distribution cannot serve your own domain "
    "name over HTTPS: viewers use CloudFront's shared name, or your name over plain HTTP.",
    remediation="Issue a certificate for your domain in ACM (us-east-1), add the domain as an alternate name and "
    "set the certificate on the distribution.",
)
def cloudfront_distributions_custom_ssl_certificate(distributions):
    for dist in distributions:
        if dist.get("default_certificate"):
            yield FAIL(dist, f"CloudFront distribution {dist.id} uses the default CloudFront certificate.")
        else:
            yield PASS(dist, f"CloudFront distribution {dist.id} uses a custom TLS certificate.")


@check(
    id="cloudfront_distributions_https_sni_enabled",
    title="CloudFront distribution with its own certificate serves HTTPS with SNI",
    severity="low",
    resource_type=RESOURCE,
    reads=["cloudfront.distributions"],
    risk="Dedicated-IP (VIP) TLS serving costs a large monthly fee and exists only for clients too old to send "
    "SNI, which also lack modern TLS.",
    remediation="Set the distribution's SSL support method to sni-only.",
)
def cloudfront_distributions_https_sni_enabled(distributions):
    for dist in distributions:
        if dist.get("default_certificate"):
            continue  # the default certificate is always served with SNI
        method = dist.get("ssl_support_method")
        if method == "sni-only":
            yield PASS(dist, f"CloudFront distribution {dist.id} serves its custom certificate with SNI.")
        else:
            yield FAIL(dist, f"CloudFront distribution {dist.id} serves its custom certificate with {method}, not SNI.")


@check(
    id="cloudfront_distributions_default_root_object",
    title="CloudFront distribution has a default root object",
    severity="high",
    resource_type=RESOURCE,
    reads=["cloudfront.distributions"],
    risk="Without a default root object, a request for the bare domain is passed to the origin, which may list "
    "the bucket or return content that was never meant to be served.",
    remediation="Set a default root object (for example index.html) on the distribution.",
)
def cloudfront_distributions_default_root_object(distributions):
    for dist in distributions:
        if dist.get("default_root_object"):
            yield PASS(dist, f"CloudFront distribution {dist.id} serves {dist['default_root_object']} at its root.")
        else:
            yield FAIL(dist, f"CloudFront distribution {dist.id} has no default root object.")


@check(
    id="cloudfront_distributions_logging_enabled",
    title="CloudFront distribution logs viewer requests",
    severity="medium",
    resource_type=RESOURCE,
    reads=["cloudfront.distributions"],
    risk="Without access logs, who requested what (scraping, attacks, leaked content) cannot be established.",
    remediation="Enable standard logging to an S3 bucket (or real-time logs) for the distribution.",
)
def cloudfront_distributions_logging_enabled(distributions):
    for dist in distributions:
        realtime = [b for b in dist.get("behaviors") or [] if b.get("realtime_logs")]
        if dist.get("logging_enabled"):
            yield PASS(dist, f"CloudFront distribution {dist.id} has standard logging enabled.")
        elif realtime:
            yield PASS(dist, f"CloudFront distribution {dist.id} sends real-time logs.")
        else:
            yield FAIL(dist, f"CloudFront distribution {dist.id} has logging disabled.")


@check(
    id="cloudfront_distributions_multiple_origin_failover_configured",
    title="CloudFront distribution has an origin group that fails over between two origins",
    severity="low",
    resource_type=RESOURCE,
    reads=["cloudfront.distributions"],
    risk="With a single origin, an outage of that origin takes the whole site down.",
    remediation="Create an origin group with a primary and a secondary origin and point the cache behaviours "
    "at it.",
)
def cloudfront_distributions_multiple_origin_failover_configured(distributions):
    for dist in distributions:
        groups = [g for g in dist.get("origin_groups") or [] if len(g.get("members") or []) >= 2]
        if groups:
            yield PASS(dist, f"CloudFront distribution {dist.id} fails over within origin group {groups[0]['id']}.")
        else:
            yield FAIL(dist, f"CloudFront distribution {dist.id} has no origin group with two origins.")


@check(
    id="cloudfront_distributions_origin_traffic_encrypted",
    title="CloudFront distribution reaches its custom origins over HTTPS",
    severity="medium",
    resource_type=RESOURCE,
    reads=["cloudfront.distributions"],
    risk="Traffic between CloudFront and an origin over HTTP can be read or altered on the way, including "
    "whatever viewers submitted over HTTPS.",
    remediation="Set the custom origins' protocol policy to https-only (or match-viewer with viewers redirected "
    "to HTTPS).",
)
def cloudfront_distributions_origin_traffic_encrypted(distributions):
    for dist in distributions:
        custom = _origins(dist, "custom")
        if not custom:
            continue
        behaviors = dist.get("behaviors") or []
        open_viewers = {b.get("target_origin") for b in behaviors if b.get("viewer_protocol_policy") == "allow-all"}
        plain = [
            o
            for o in custom
            if o.get("protocol_policy") == "http-only"
            or (o.get("protocol_policy") == "match-viewer" and _targeted(dist, o, open_viewers))
        ]
        if plain:
            yield FAIL(dist, f"CloudFront distribution {dist.id} can reach origins {_ids(plain)} over plain HTTP.")
        else:
            yield PASS(dist, f"CloudFront distribution {dist.id} reaches all its custom origins over HTTPS.")


def _targeted(dist, origin: dict, targets: set) -> bool:
    """Whether one of ``targets`` (behaviour targets) is the origin or an origin group it belongs to."""
    groups = dist.get("origin_groups") or []
    return origin.get("id") in targets or any(
        g.get("id") in targets and origin.get("id") in g.get("members", []) for g in groups
    )


@check(
    id="cloudfront_distributions_using_deprecated_ssl_protocols",
    title="CloudFront distribution does not offer SSLv3, TLSv1 or TLSv1.1 to its custom origins",
    severity="low",
    resource_type=RESOURCE,
    reads=["cloudfront.distributions"],
    risk="SSLv3, TLS 1.0 and TLS 1.1 have known weaknesses; allowing them lets the origin connection be "
    "downgraded to a protocol an attacker can break.",
    remediation="Limit the custom origins' SSL protocols to TLSv1.2 (and later).",
)
def cloudfront_distributions_using_deprecated_ssl_protocols(distributions):
    for dist in distributions:
        custom = _origins(dist, "custom")
        if not custom:
            continue
        weak = {o["id"]: sorted(set(o.get("ssl_protocols") or []) & set(DEPRECATED_PROTOCOLS)) for o in custom}
        weak = {k: v for k, v in weak.items() if v}
        if weak:
            listing = "; ".join(f"{origin}: {', '.join(protocols)}" for origin, protocols in sorted(weak.items()))
            yield FAIL(dist, f"CloudFront distribution {dist.id} allows deprecated origin protocols ({listing}).")
        else:
            yield PASS(dist, f"CloudFront distribution {dist.id} allows no deprecated protocols to its custom origins.")


@check(
    id="cloudfront_distributions_s3_origin_access_control",
    title="CloudFront distribution reaches its S3 origins through Origin Access Control",
    severity="medium",
    resource_type=RESOURCE,
    reads=["cloudfront.distributions"],
    risk="Without Origin Access Control, the bucket behind the distribution must be readable some other way "
    "(public, or the legacy origin access identity), so viewers can bypass CloudFront and its controls.",
    remediation="Create an Origin Access Control, attach it to each S3 origin, and allow only the distribution "
    "(aws:SourceArn) in the bucket policy.",
)
def cloudfront_distributions_s3_origin_access_control(distributions):
    for dist in distributions:
        s3 = _origins(dist, "s3")
        if not s3:
            continue
        without = [o for o in s3 if not o.get("origin_access_control")]
        if without:
            legacy = [o for o in without if o.get("origin_access_identity")]
            note = f" (origins {_ids(legacy)} use a legacy origin access identity)" if legacy else ""
            yield FAIL(dist, f"CloudFront distribution {dist.id} reaches S3 origins {_ids(without)} without OAC{note}.")
        else:
            yield PASS(dist, f"CloudFront distribution {dist.id} uses Origin Access Control for all its S3 origins.")


@check(
    id="cloudfront_distributions_s3_origin_non_existent_bucket",
    title="CloudFront distribution's S3 origins point at buckets that exist",
    severity="high",
    resource_type=RESOURCE,
    reads=["cloudfront.distributions"],
    risk="Anyone can create a bucket under the name of a deleted origin bucket and then serve their own content "
    "on your distribution's domain.",
    remediation="Remove the origin, or recreate the bucket in your account under the same name.",
)
def cloudfront_distributions_s3_origin_non_existent_bucket(distributions):
    for dist in distributions:
        s3 = _origins(dist, "s3")
        missing = [o for o in s3 if o.get("bucket_exists") is False]
        if missing:
            names = ", ".join(str(o.get("bucket")) for o in missing)
            yield FAIL(dist, f"CloudFront distribution {dist.id} has S3 origins whose bucket does not exist: {names}.")
        elif s3 and all(o.get("bucket_exists") for o in s3):
            yield PASS(dist, f"CloudFront distribution {dist.id} has S3 origins whose buckets all exist.")
        elif s3 and not dist.get("origin_buckets_probed"):
            # S3 did not answer a probe: reading the unread field makes this a no verdict naming why
            yield MANUAL(dist, f"CloudFront distribution {dist.id}: whether its S3 origin buckets exist is unknown.")


@check(
    id="cloudfront_distributions_using_waf",
    title="CloudFront distribution is protected by an AWS WAF web ACL",
    severity="medium",
    resource_type=RESOURCE,
    reads=["cloudfront.distributions"],
    risk="Without a web ACL, common web attacks (injection, bots, request floods) reach the origin unfiltered.",
    remediation="Associate an AWS WAF web ACL (global scope) with the distribution.",
)
def cloudfront_distributions_using_waf(distributions):
    for dist in distributions:
        if dist.get("web_acl_id"):
            yield PASS(dist, f"CloudFront distribution {dist.id} is protected by web ACL {dist['web_acl_id']}.")
        else:
            yield FAIL(dist, f"CloudFront distribution {dist.id} has no AWS WAF web ACL.")


def _default_behavior(dist) -> dict:
    """The default cache behaviour (path "*"), which serves every request no other behaviour matches."""
    return next((b for b in dist.get("behaviors") or [] if b.get("path") == "*"), {})


@check(
    id="cloudfront_distributions_https_enabled",
    title="CloudFront distribution's default behaviour serves viewers over HTTPS only",
    severity="medium",
    resource_type=RESOURCE,
    reads=["cloudfront.distributions"],
    risk="With the viewer protocol policy allow-all, viewers can reach the distribution over plain HTTP, where "
    "requests and responses can be read and altered on the way.",
    remediation="Set the default cache behaviour's viewer protocol policy to redirect-to-https or https-only.",
)
def cloudfront_distributions_https_enabled(distributions):
    for dist in distributions:
        policy = _default_behavior(dist).get("viewer_protocol_policy")
        if policy in ("redirect-to-https", "https-only"):
            yield PASS(dist, f"CloudFront distribution {dist.id} serves viewers over HTTPS ({policy}).")
        else:
            yield FAIL(dist, f"CloudFront distribution {dist.id} lets viewers use plain HTTP ({policy}).")


@check(
    id="cloudfront_distributions_field_level_encryption_enabled",
    title="CloudFront distribution's default behaviour uses field-level encryption",
    severity="low",
    resource_type=RESOURCE,
    reads=["cloudfront.distributions"],
    risk="Without field-level encryption, sensitive form fields (card numbers, personal data) reach every "
    "system behind the distribution in clear text once TLS ends at the edge.",
    remediation="Create a field-level encryption configuration for the sensitive fields and set it on the "
    "default cache behaviour.",
)
def cloudfront_distributions_field_level_encryption_enabled(distributions):
    for dist in distributions:
        configuration = _default_behavior(dist).get("field_level_encryption")
        if configuration:
            yield PASS(dist, f"CloudFront distribution {dist.id} uses field-level encryption {configuration}.")
        else:
            yield FAIL(dist, f"CloudFront distribution {dist.id} does not use field-level encryption.")


@check(
    id="cloudfront_distributions_geo_restrictions_enabled",
    title="CloudFront distribution restricts viewers by country",
    severity="low",
    resource_type=RESOURCE,
    reads=["cloudfront.distributions"],
    risk="Without geographic restrictions, content is served to every country, including ones the business "
    "does not serve or may not serve for legal reasons.",
    remediation="Configure an allow list (or block list) of countries in the distribution's geographic "
    "restrictions.",
)
def cloudfront_distributions_geo_restrictions_enabled(distributions):
    for dist in distributions:
        kind = dist.get("geo_restriction")
        if kind and kind != "none":
            yield PASS(dist, f"CloudFront distribution {dist.id} has a {kind} geographic restriction.")
        else:
            yield FAIL(dist, f"CloudFront distribution {dist.id} has no geographic restriction.")


@check(
    id="cloudfront_distributions_pqc_tls_enabled",
    title="CloudFront distribution enforces a TLS 1.3 security policy with post-quantum key exchange",
    severity="low",
    resource_type="AwsCloudFrontDistribution",
    reads=["cloudfront.distributions"],
    config=["cloudfront_pqc_min_protocol_versions"],
    risk="Post-quantum hybrid key exchange is only negotiated over TLS 1.3; viewer traffic recorded today under "
    "classical key exchange can be decrypted once quantum computers can break it.",
    remediation="Use a custom (ACM) certificate with SNI and set the minimum protocol version to a TLS 1.3 policy "
    "such as TLSv1.3_2025.",
)
def cloudfront_distributions_pqc_tls_enabled(distributions, config):
    allowed = set(config["cloudfront_pqc_min_protocol_versions"] or ())
    for dist in distributions:
        version = dist.get("minimum_protocol_version")
        if dist.get("default_certificate"):
            yield FAIL(dist, f"CloudFront distribution {dist.id} uses the default *.cloudfront.net certificate, which "
                       "is pinned to the TLSv1 policy.")  # fmt: skip
        elif version in allowed:
            yield PASS(dist, f"CloudFront distribution {dist.id} requires {version}, with post-quantum key exchange.")
        else:
            yield FAIL(dist, f"CloudFront distribution {dist.id} allows {version}, not a post-quantum TLS 1.3 policy.")
