#!/usr/bin/env python
"""Generate postureflow's compliance framework files, and keep them in sync with the checks.

Two modes:

    python scripts/import_frameworks.py            # (re)import every framework from the reference
    python scripts/import_frameworks.py --sync     # only refresh the not_implemented lists

The import takes facts only from the Prowler 5.46 reference data (requirement ids,
sections, CIS profile and assessment status, mapped check ids) in
``shared/reference/prowler-5.46/compliance``. Requirement titles are ours: a
humanised check id for a requirement mapped to one check, else a neutral
"<section> <id>". Titles edited by hand in an existing file are kept on re-import.

``--sync`` needs no reference data: it rewrites each file's ``not_implemented``
lists from postureflow's current check registry. Run it after adding checks;
``tests/test_compliance_frameworks.py`` fails while a file is out of date.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path

import yaml

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

REPO = Path(__file__).resolve().parents[1]
FRAMEWORK_DIR = REPO / "include" / "postureflow" / "compliance" / "frameworks"
DEFAULT_REFERENCE = REPO.parent / "shared" / "reference" / "prowler-5.46" / "compliance"

# output key -> (reference file, framework, version, label, full name)
FRAMEWORKS: dict[str, tuple[str, str, str, str, str]] = {
    "cis_3.0": ("cis_3.0_aws.json", "CIS", "3.0", "CIS 3.0", "CIS AWS Foundations Benchmark v3.0.0"),
    "cis_4.0.1": ("cis_4.0_aws.json", "CIS", "4.0.1", "CIS 4.0.1", "CIS AWS Foundations Benchmark v4.0.1"),
    "cis_5.0": ("cis_5.0_aws.json", "CIS", "5.0", "CIS 5.0", "CIS AWS Foundations Benchmark v5.0.0"),
    "cis_6.0": ("cis_6.0_aws.json", "CIS", "6.0", "CIS 6.0", "CIS AWS Foundations Benchmark v6.0.0"),
    "aws_fsbp": (
        "aws_foundational_security_best_practices_aws.json",
        "AWS-FSBP",
        "1.0",
        "AWS FSBP",
        "AWS Foundational Security Best Practices",
    ),
    "pci_dss_4.0": ("pci_4.0_aws.json", "PCI-DSS", "4.0", "PCI DSS 4.0", "PCI DSS v4.0"),
    "nist_800_53_r5": (
        "nist_800_53_revision_5_aws.json",
        "NIST-800-53",
        "rev5",
        "NIST 800-53 r5",
        "NIST SP 800-53 Revision 5",
    ),
    "iso27001_2022": ("iso27001_2022_aws.json", "ISO-27001", "2022", "ISO 27001:2022", "ISO/IEC 27001:2022 Annex A"),
    "soc2": ("soc2_aws.json", "SOC2", "2017", "SOC 2", "SOC 2 Trust Services Criteria"),
    "hipaa": ("hipaa_aws.json", "HIPAA", "2013", "HIPAA", "HIPAA Security Rule (45 CFR 164)"),
    "cis_1.4": ("cis_1.4_aws.json", "CIS", "1.4", "CIS 1.4", "CIS AWS Foundations Benchmark v1.4.0"),
    "cis_1.5": ("cis_1.5_aws.json", "CIS", "1.5", "CIS 1.5", "CIS AWS Foundations Benchmark v1.5.0"),
    "cis_2.0": ("cis_2.0_aws.json", "CIS", "2.0", "CIS 2.0", "CIS AWS Foundations Benchmark v2.0.0"),
    "cis_7.0": ("cis_7.0_aws.json", "CIS", "7.0", "CIS 7.0", "CIS AWS Foundations Benchmark v7.0.0"),
    "asd_essential_eight": ("asd_essential_eight_aws.json", "ASD-Essential-Eight", "Nov 2023", "ASD Essential Eight",
                            "Australian Signals Directorate Essential Eight (November 2023)"),
    "aws_account_security_onboarding": ("aws_account_security_onboarding_aws.json", "AWS-Account-Security-Onboarding", "n/a",
                                        "AWS Account Security Onboarding", "AWS Account Security Onboarding"),
    "aws_ai_security_framework": ("aws_ai_security_framework_aws.json", "AWS-AI-Security-Framework", "1.0",
                                  "AWS AI Security", "AWS AI Security Framework 1.0"),
    "aws_audit_manager_control_tower_guardrails": ("aws_audit_manager_control_tower_guardrails_aws.json",
                                                   "AWS-Audit-Manager-Control-Tower-Guardrails", "n/a",
                                                   "Control Tower Guardrails", "AWS Audit Manager Control Tower Guardrails"),
    "aws_foundational_technical_review": ("aws_foundational_technical_review_aws.json", "AWS-Foundational-Technical-Review",
                                          "n/a", "AWS FTR", "AWS Foundational Technical Review"),
    "aws_well_architected_reliability": ("aws_well_architected_framework_reliability_pillar_aws.json",
                                         "AWS-Well-Architected-Framework-Reliability-Pillar", "n/a",
                                         "Well-Architected Reliability", "AWS Well-Architected Framework, Reliability Pillar"),
    "aws_well_architected_security": ("aws_well_architected_framework_security_pillar_aws.json",
                                      "AWS-Well-Architected-Framework-Security-Pillar", "n/a",
                                      "Well-Architected Security", "AWS Well-Architected Framework, Security Pillar"),
    "c5_2025": ("c5_aws.json", "C5", "2025", "BSI C5:2025", "BSI Cloud Computing Compliance Criteria Catalogue (C5) 2025"),
    "ccc": ("ccc_aws.json", "CCC", "v2025.10", "FINOS CCC", "FINOS Common Cloud Controls v2025.10"),
    "cisa": ("cisa_aws.json", "CISA", "n/a", "CISA", "CISA Cyber Essentials"),
    "ens_rd2022": ("ens_rd2022_aws.json", "ENS", "RD2022", "ENS RD2022", "Esquema Nacional de Seguridad (RD 311/2022)"),
    "fedramp_low_r4": ("fedramp_low_revision_4_aws.json", "FedRAMP-Low-Revision-4", "n/a", "FedRAMP Low r4",
                       "FedRAMP Low Baseline (Revision 4)"),
    "fedramp_moderate_r4": ("fedramp_moderate_revision_4_aws.json", "FedRamp-Moderate-Revision-4", "n/a",
                            "FedRAMP Moderate r4", "FedRAMP Moderate Baseline (Revision 4)"),
    "ffiec": ("ffiec_aws.json", "FFIEC", "n/a", "FFIEC", "FFIEC Cybersecurity Assessment Tool"),
    "gdpr": ("gdpr_aws.json", "GDPR", "n/a", "GDPR", "EU General Data Protection Regulation"),
    "gxp_21_cfr_part_11": ("gxp_21_cfr_part_11_aws.json", "GxP-21-CFR-Part-11", "n/a", "GxP 21 CFR Part 11",
                           "GxP: US FDA 21 CFR Part 11"),
    "gxp_eu_annex_11": ("gxp_eu_annex_11_aws.json", "GxP-EU-Annex-11", "n/a", "GxP EU Annex 11", "GxP: EU GMP Annex 11"),
    "iso27001_2013": ("iso27001_2013_aws.json", "ISO-27001", "2013", "ISO 27001:2013", "ISO/IEC 27001:2013 Annex A"),
    "kisa_isms_p_2023": ("kisa_isms_p_2023_aws.json", "KISA-ISMS-P", "2023", "KISA ISMS-P 2023",
                         "KISA ISMS-P 2023 (English)"),
    "kisa_isms_p_2023_korean": ("kisa_isms_p_2023_korean_aws.json", "KISA-ISMS-P", "2023-korean",
                                "KISA ISMS-P 2023 (ko)", "KISA ISMS-P 2023 (Korean)"),
    "mitre_attack": ("mitre_attack_aws.json", "MITRE-ATTACK", "n/a", "MITRE ATT&CK", "MITRE ATT&CK (AWS techniques)"),
    "nis2": ("nis2_aws.json", "NIS2", "n/a", "NIS2", "EU NIS2 Directive"),
    "nist_800_171_r2": ("nist_800_171_revision_2_aws.json", "NIST-800-171", "rev2", "NIST 800-171 r2",
                        "NIST SP 800-171 Revision 2"),
    "nist_800_53_r4": ("nist_800_53_revision_4_aws.json", "NIST-800-53", "rev4", "NIST 800-53 r4",
                       "NIST SP 800-53 Revision 4"),
    "nist_csf_1.1": ("nist_csf_1.1_aws.json", "NIST-CSF", "1.1", "NIST CSF 1.1", "NIST Cybersecurity Framework 1.1"),
    "nist_csf_2.0": ("nist_csf_2.0_aws.json", "NIST-CSF", "2.0", "NIST CSF 2.0", "NIST Cybersecurity Framework 2.0"),
    "pci_dss_3.2.1": ("pci_3.2.1_aws.json", "PCI-DSS", "3.2.1", "PCI DSS 3.2.1", "PCI DSS v3.2.1"),
    "prowler_threatscore": ("prowler_threatscore_aws.json", "ProwlerThreatScore", "1.0", "ThreatScore",
                            "Prowler ThreatScore 1.0"),
    "rbi_cyber_security": ("rbi_cyber_security_framework_aws.json", "RBI-Cyber-Security-Framework", "n/a",
                           "RBI Cyber Security", "Reserve Bank of India Cyber Security Framework"),
    "secnumcloud_3.2": ("secnumcloud_3.2_aws.json", "SecNumCloud", "3.2", "SecNumCloud 3.2", "ANSSI SecNumCloud 3.2"),
}

# ISO/IEC 27001:2022 Annex A themes (the reference leaves the section empty).
ISO_THEMES = {
    "A.5": "A.5 Organizational controls",
    "A.6": "A.6 People controls",
    "A.7": "A.7 Physical controls",
    "A.8": "A.8 Technological controls",
}

ACRONYMS = {
    "acm", "acl", "acls", "ami", "amis", "api", "aws", "cis", "cmk", "cpu", "dax", "dns", "ebs", "ec2", "ecr",
    "ecs", "efs", "eks", "elb", "elbv2", "emr", "fsx", "http", "https", "iam", "imdsv2", "ip", "ips", "ipv4",
    "ipv6", "kms", "mfa", "mq", "nacl", "nacls", "os", "pitr", "rds", "s3", "sns", "sqs", "ssh", "ssl", "ssm",
    "tls", "ttl", "url", "urls", "vpc", "vpcs", "waf", "wafv2", "rdp", "ssm", "ses", "sso", "gpu", "db",
}


def humanize(check_id: str) -> str:
    words = []
    for word in check_id.split("_"):
        words.append(word.upper() if word.lower() in ACRONYMS else word)
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def section_name(section: str) -> str:
    return re.sub(r"\s+", " ", section).strip().rstrip(".")


def default_title(requirement_id: str, section: str, checks: list[str]) -> str:
    if len(checks) == 1:
        return humanize(checks[0])
    name = section_name(section)
    name = re.sub(r"^[\d.]+[:\s]+", "", name)  # "1.2.5: Network ..." -> "Network ..."
    return f"{name} ({requirement_id})" if name else f"Requirement {requirement_id}"


def known_checks() -> set[str]:
    sys.path.insert(0, str(REPO / "include"))
    from postureflow.checks import all_checks

    return set(all_checks())


def mark(requirement: dict, implemented: set[str]) -> dict:
    missing = [c for c in requirement.get("checks", []) if c not in implemented]
    requirement.pop("not_implemented", None)
    if missing:
        requirement["not_implemented"] = missing
    return requirement


def import_one(key: str, reference: Path, implemented: set[str], existing: dict | None) -> dict:
    source, framework, version, label, name = FRAMEWORKS[key]
    data = json.loads((reference / source).read_text())
    old_titles = {r["id"]: r.get("title") for r in (existing or {}).get("requirements", [])}
    old_generated = {}
    for r in (existing or {}).get("requirements", []):
        old_generated[r["id"]] = default_title(r["id"], r.get("section", ""), r.get("checks", []))
    requirements = []
    for item in data["requirements"]:
        rid = str(item["id"])
        section = section_name(item.get("section") or "")
        if not section and key.startswith("iso27001"):
            section = ISO_THEMES.get(".".join(rid.split(".")[:2]), "")
        checks = list(dict.fromkeys(item.get("checks") or []))
        title = default_title(rid, section, checks)
        if old_titles.get(rid) and old_titles[rid] != old_generated.get(rid):
            title = old_titles[rid]  # edited by hand: keep it
        requirement: dict = {"id": rid, "section": section, "title": title}
        if item.get("profile"):
            requirement["profile"] = item["profile"]
        status = (item.get("assessmentstatus") or "").lower()
        requirement["assessment"] = status if status in ("automated", "manual") else ("automated" if checks else "manual")
        requirement["checks"] = checks
        requirements.append(mark(requirement, implemented))
    return {
        "framework": framework,
        "version": version,
        "label": label,
        "name": name,
        "source": f"prowler-5.46/{source} (requirement ids, sections and check mappings; titles are postureflow's)",
        "requirements": requirements,
    }


HEADER = (
    "# Generated by scripts/import_frameworks.py; facts from the Prowler 5.46 reference (Apache-2.0).\n"
    "# not_implemented: mapped checks postureflow does not have yet (refresh: import_frameworks.py --sync).\n"
)


def dump(path: Path, document: dict) -> None:
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    text = yaml.dump(document, Dumper=dumper, sort_keys=False, allow_unicode=True, width=120, default_flow_style=None)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(HEADER + text)
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sync", action="store_true", help="only refresh not_implemented from the check registry")
    parser.add_argument("--reference", type=Path, default=DEFAULT_REFERENCE, help="Prowler compliance JSON folder")
    parser.add_argument("--out", type=Path, default=FRAMEWORK_DIR)
    parser.add_argument("--only", action="append", choices=sorted(FRAMEWORKS), help="only this framework")
    args = parser.parse_args(argv)

    implemented = known_checks()
    args.out.mkdir(parents=True, exist_ok=True)
    keys = args.only or list(FRAMEWORKS)
    for key in keys:
        path = args.out / f"{key}.yaml"
        existing = yaml.load(path.read_text(), Loader=LOADER) if path.exists() else None
        if args.sync:
            if existing is None:
                print(f"{path}: missing (run without --sync to import it)", file=sys.stderr)
                return 1
            for requirement in existing["requirements"]:
                mark(requirement, implemented)
            document = existing
        else:
            if not (args.reference / FRAMEWORKS[key][0]).exists():
                print(f"{args.reference / FRAMEWORKS[key][0]}: reference file not found", file=sys.stderr)
                return 1
            document = import_one(key, args.reference, implemented, existing)
        dump(path, document)
        reqs = document["requirements"]
        todo = {c for r in reqs for c in r.get("not_implemented", [])}
        print(f"{path.name}: {len(reqs)} requirements, {len(todo)} mapped checks not implemented yet")
    return 0


if __name__ == "__main__":
    sys.exit(main())
