"""CodeCommit: repositories and, opted in, a secret scan of their default branch.

Calls per region: ListRepositories; per repository GetRepository (its default branch). With the audit
config's ``read_customer_data: true``, per repository with a default branch: GetBranch (the tip commit),
GetFolder per folder of that commit and GetBlob per file (codecommit:GetBlob is a data action: it is
only in the opt-in policy document). Only where secret-looking lines are and their kind are stored.

Bounds: CodeCommit itself refuses blobs over 6 MB (FileTooLargeException: the file is named as not
scanned); at most MAX_FILES files and MAX_TOTAL_BYTES per repository are read, the rest is named as
not scanned, so such a repository gets no clean verdict.
"""

from __future__ import annotations

from postureflow.collect.base import OK, Outcome, RegionScope, collector
from postureflow.collect.downloads import customer_data_allowed
from postureflow.collect.package_scan import PackageScan

NOT_FOUND = ("RepositoryDoesNotExistException",)
TOO_LARGE = ("FileTooLargeException",)
NO_BRANCH = ("BranchDoesNotExistException",)  # a default branch named but not (or no longer) there: nothing to scan
MAX_FILE_BYTES = 6 * 1024 * 1024  # what GetBlob returns at most
MAX_FILES = 5000
MAX_TOTAL_BYTES = 500 * 1024 * 1024


@collector("codecommit")
def collect_codecommit(scope: RegionScope) -> None:
    client = scope.client("codecommit")
    repositories = scope.list(client, "list_repositories", "repositories", kind="repositories").value or []
    scope.each(repositories, lambda repo: _collect_repository(scope, client, repo))


def _collect_repository(scope: RegionScope, client, repo: dict) -> None:
    name = repo["repositoryName"]
    uid = scope.arn("codecommit", name)
    answer = scope.fetch(client, "get_repository", absent=NOT_FOUND, repositoryName=name)
    if answer.state == "absent":
        return  # deleted since the listing
    if not answer.ok:
        scope.add_unreadable("repositories", answer, uid=uid, id=name)
        return
    metadata = answer.value.get("repositoryMetadata") or {}
    branch = metadata.get("defaultBranch")
    code_scan: Outcome | dict | None = None  # no default branch: nothing committed to scan
    commit: Outcome | str | None = None
    if branch:
        code_scan = customer_data_allowed(scope, "codecommit:GetBlob")
        if code_scan is None:
            commit = scope.fetch(client, "get_branch", absent=NO_BRANCH, repositoryName=name, branchName=branch).map(
                lambda r: (r.get("branch") or {}).get("commitId")
            )
            code_scan = _scan_commit(scope, client, name, commit.value) if commit.ok and commit.value else commit
    scope.add(
        "repositories",
        uid=metadata.get("Arn") or uid,
        id=name,
        default_branch=branch,
        default_branch_commit=commit,
        code_scan=code_scan,  # {"hits", "unscanned", "unscanned_count"}: where and what kind, never a value
    )


def _scan_commit(scope: RegionScope, client, name: str, commit: str) -> Outcome:
    """Every file of ``commit`` scanned, or the first refused read (then nothing is concluded)."""
    scan = PackageScan(max_file_bytes=MAX_FILE_BYTES, max_total_bytes=MAX_TOTAL_BYTES, max_files=MAX_FILES)
    folders = ["/"]
    while folders:
        path = folders.pop()
        folder = scope.fetch(client, "get_folder", repositoryName=name, commitSpecifier=commit, folderPath=path)
        if not folder.ok:
            return folder
        folders.extend(sub["absolutePath"] for sub in folder.value.get("subFolders") or [])
        for entry in folder.value.get("files") or []:
            file_path = entry["absolutePath"].lstrip("/")
            if scan.files >= MAX_FILES or scan.total_bytes >= MAX_TOTAL_BYTES:
                scan.skip(file_path)  # over the budget: not even downloaded
                continue
            blob = scope.fetch(client, "get_blob", absent=TOO_LARGE, repositoryName=name, blobId=entry["blobId"])
            if blob.state == "absent":
                scan.skip(file_path)  # over CodeCommit's 6 MB
            elif not blob.ok:
                return blob
            else:
                content = blob.value.get("content") or b""
                if scan.room_for(file_path, len(content)):
                    scan.add(file_path, content)
    return Outcome(OK, scan.result(), "codecommit:GetBlob")
