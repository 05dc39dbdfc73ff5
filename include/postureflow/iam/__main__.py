"""``python -m postureflow.iam``: regenerate the least-privilege policy from the code.

    python -m postureflow.iam                # rewrite postureflow-readonly-policy.json and the opt-in
                                             # postureflow-customer-data-policy.json beside it
    python -m postureflow.iam --check        # exit 1 when the file differs from the code
    python -m postureflow.iam --operations   # list every operation and where it is called
    python -m postureflow.iam --split DIR    # also write policies that each fit the 6,144-character
                                             # quota of a customer managed policy
    python -m postureflow.iam --partition aws-us-gov --output gov.json
    python -m postureflow.iam --lake-policy s3://bucket/prefix [--kms-key ARN]
                                             # print the lake writer's policy (not the scan role's)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from postureflow.iam.policy import (
    CUSTOMER_DATA_POLICY_FILE,
    MANAGED_POLICY_LIMIT,
    POLICY_FILE,
    PolicyError,
    build_policies,
    compact_size,
    iam_action,
    lake_policy,
    render,
    required_operations,
    split_policy,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m postureflow.iam", description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=POLICY_FILE, help=f"policy file (default: {POLICY_FILE})")
    parser.add_argument("--customer-data-output", type=Path, default=CUSTOMER_DATA_POLICY_FILE,
                        help=f"the opt-in data-reading policy file (default: {CUSTOMER_DATA_POLICY_FILE})")
    parser.add_argument("--check", action="store_true", help="do not write; exit 1 when the file is not up to date")
    parser.add_argument("--partition", default="aws", help="ARN partition of scoped resources (default: aws)")
    parser.add_argument("--split", type=Path, metavar="DIR", help="also write managed-policy-sized parts into DIR")
    parser.add_argument("--operations", action="store_true", help="print each operation, its action and its callers")
    parser.add_argument("--lake-policy", metavar="S3_URI", help="print the policy that writes the lake at S3_URI; nothing else")
    parser.add_argument("--kms-key", help="with --lake-policy: the KMS key that encrypts the lake bucket")
    args = parser.parse_args(argv)

    if args.lake_policy:
        try:
            print(render(lake_policy(args.lake_policy, args.kms_key)), end="")
        except PolicyError as err:
            print(f"postureflow.iam: {err}", file=sys.stderr)
            return 1
        return 0
    try:
        required = required_operations()
        policy, customer_data = build_policies(required, partition=args.partition)
    except PolicyError as err:
        print(f"postureflow.iam: {err}", file=sys.stderr)
        return 1
    for req in required.values():
        for analysis in req.analyses:
            for module, line, name, clients in analysis.ambiguous:
                print(f"warning: {module}:{line}: {name!r} could be an operation of {', '.join(clients)}; "
                      "all of them are allowed", file=sys.stderr)
    if args.operations:
        for sid, req in required.items():
            print(f"[{sid}]")
            for ref in req.refs:
                print(f"  {iam_action(ref.client, ref.operation):55} {ref.client}.{ref.operation}  ({ref.module}:{ref.line})")
    text = render(policy)
    size = compact_size(policy)
    if args.check:
        for path, expected in ((args.output, text), (args.customer_data_output, render(customer_data))):
            current = path.read_text() if path.exists() else ""
            if current != expected:
                print(f"{path} is out of date: run python -m postureflow.iam", file=sys.stderr)
                return 1
        print(f"{args.output} is up to date ({size} characters)")
        return 0
    args.output.write_text(text)
    args.customer_data_output.write_text(render(customer_data))
    print(f"wrote {args.customer_data_output}: the opt-in data actions {', '.join(customer_data['Statement'][0]['Action'])}")
    actions = sum(len(s["Action"]) for s in policy["Statement"])
    print(f"wrote {args.output}: {actions} actions in {len(policy['Statement'])} statements, {size} characters")
    if args.split:
        args.split.mkdir(parents=True, exist_ok=True)
        parts = split_policy(policy)
        for n, part in enumerate(parts, 1):
            path = args.split / f"{args.output.stem}-{n}.json"
            path.write_text(render(part))
            print(f"wrote {path} ({compact_size(part)} of {MANAGED_POLICY_LIMIT} characters)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
