"""CodeCommit checks: secrets committed to the default branch."""

from __future__ import annotations

from postureflow.checks._code_secrets import scan_verdict
from postureflow.checks.base import PASS, check


@check(
    id="codecommit_repository_no_secrets",
    title="CodeCommit repository default branch holds no secrets",
    severity="high",
    resource_type="AwsCodeCommitRepository",
    reads=["codecommit.repositories"],
    config=["read_customer_data"],
    risk="Everyone who may clone or read the repository (codecommit:GitPull, GetFile, GetBlob) gets a key or "
    "password committed to it, and the history keeps it after it is deleted from the branch.",
    remediation="Rotate the exposed secret, replace it with a reference to Secrets Manager or Parameter Store, "
    "and purge it from history (git filter-repo) if the repository is shared widely.",
)
def codecommit_repository_no_secrets(repositories, config):
    # Files are read only with read_customer_data on (and the opt-in policy); otherwise code_scan is unread
    # and the evaluation gives no verdict. Like Prowler, only the tip of the default branch is scanned.
    for repo in repositories:
        if repo.lacks("default_branch"):
            yield PASS(repo, f"CodeCommit repository {repo.id} has no default branch: nothing committed to scan.")
            continue
        what = f"CodeCommit repository {repo.id} branch {repo.get('default_branch')}"
        yield scan_verdict(repo, repo.get("code_scan") or {}, what)
