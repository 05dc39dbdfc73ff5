"""Account checks (global: one account resource)."""

from __future__ import annotations

from postureflow.checks.base import FAIL, MANUAL, PASS, check

PRIMARY_FIELDS = ("FullName", "PhoneNumber", "AddressLine1", "City", "CountryCode", "PostalCode")
SECURITY_FIELDS = ("Name", "EmailAddress", "PhoneNumber")


@check(
    id="account_maintain_current_contact_details",
    title="AWS account has complete primary contact details",
    severity="medium",
    resource_type="Other",
    reads=["account.account"],
    risk="If AWS cannot reach the account owner, warnings about abuse or a compromise of the account go unheard.",
    remediation="Fill in the account's primary contact (name, phone, full address) in Account settings and review "
    "it whenever people change roles.",
)
def account_maintain_current_contact_details(accounts):
    for account in accounts:
        filled = account.get("primary_contact_fields")
        if filled is None:  # only when unread (a contact not set is []): no verdict naming why
            yield MANUAL(account, f"Account {account.id} primary contact could not be read.")
            continue
        missing = [f for f in PRIMARY_FIELDS if f not in filled]
        if missing:
            yield FAIL(account, f"Account {account.id} primary contact is missing {', '.join(missing)}.")
        else:
            yield PASS(
                account,
                f"Account {account.id} has complete primary contact details; whether they are current must be "
                "reviewed by a person.",
            )


@check(
    id="account_security_contact_information_is_registered",
    title="AWS account has a security alternate contact",
    severity="medium",
    resource_type="Other",
    reads=["account.account"],
    risk="Without a security contact, AWS security notices go only to the root e-mail address, which few people read.",
    remediation="Register a security alternate contact with name, e-mail and phone "
    "(account put-alternate-contact --alternate-contact-type SECURITY).",
)
def account_security_contact_information_is_registered(accounts):
    for account in accounts:
        filled = account.get("security_contact_fields")
        if filled is None:  # only when unread (no alternate contact is []): no verdict naming why
            yield MANUAL(account, f"Account {account.id} security alternate contact could not be read.")
            continue
        if not filled:
            yield FAIL(account, f"Account {account.id} has no security alternate contact registered.")
            continue
        missing = [f for f in SECURITY_FIELDS if f not in filled]
        if missing:
            yield FAIL(account, f"Account {account.id} security alternate contact is missing {', '.join(missing)}.")
        else:
            yield PASS(account, f"Account {account.id} has a security alternate contact registered.")


@check(
    id="account_security_questions_are_registered_in_the_aws_account",
    title="AWS account root user has security challenge questions",
    severity="medium",
    resource_type="Other",
    reads=["account.account"],
    risk="Without security questions, proving ownership to AWS support after losing the root credentials is harder.",
    remediation="Sign in as the root user, open Account settings and configure the security challenge questions.",
)
def account_security_questions_are_registered_in_the_aws_account(accounts):
    # No API reports security questions, so this is always a manual verification.
    for account in accounts:
        yield MANUAL(
            account,
            f"Account {account.id} security challenge questions cannot be read through an API and must be verified "
            "as the root user in the console's Account settings.",
        )


@check(
    id="account_maintain_different_contact_details_to_security_billing_and_operations",
    title="Security, billing and operations contacts are set and are different people from each other and the root contact",
    severity="medium",
    resource_type="Other",
    reads=["account.account"],
    risk="When one person (or the root contact) is every contact, AWS's security, billing and operational notices "
    "all land in one mailbox: one absence or one compromised mailbox and the account's alerts go unread.",
    remediation="Set distinct security, billing and operations alternate contacts (aws account put-alternate-contact) "
    "with their own names, e-mail addresses and phone numbers.",
)
def account_maintain_different_contact_details_to_security_billing_and_operations(accounts):
    kinds = ("SECURITY", "BILLING", "OPERATIONS")
    for account in accounts:
        prints = account.get("contact_fingerprints") or {}
        missing = [k.lower() for k in kinds if not prints.get(k)]
        if missing:
            yield FAIL(account, f"AWS account {account.id} has no {', '.join(missing)} alternate contact.")
            continue
        people = [prints.get("PRIMARY") or {}] + [prints[k] for k in kinds]
        shared = [field for field, everyone in (("name", people), ("phone", people), ("email", people[1:]))
                  if len({p.get(field) for p in everyone}) < len(everyone)]  # fmt: skip
        if shared:
            yield FAIL(account, f"AWS account {account.id} contacts share a {' and a '.join(shared)} "
                       "(between security, billing, operations and the root contact).")  # fmt: skip
        else:
            yield PASS(account, f"AWS account {account.id} has distinct security, billing and operations contacts, "
                       "different from the root contact.")  # fmt: skip
