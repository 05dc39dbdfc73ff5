"""Killed writes leave nothing behind for long; corrupt files are named, quarantined or skipped (issue 15 items 5-6)."""

from __future__ import annotations

import datetime as dt
import os
import time

import pytest

from postureflow.cli import main
from postureflow.lake import Lake
from postureflow.lake.errors import CorruptLakeFile
from postureflow.lake.query import run
from postureflow.sql.sample import finding, write_findings

A, B = "111111111111", "222222222222"
D1, D2 = dt.date(2026, 11, 21), dt.date(2026, 11, 22)


@pytest.fixture
def lake(tmp_path):
    lake = Lake(str(tmp_path / "lake"))
    write_findings(lake, [finding(a, d, "s3", "s3_check", f"r{i}") for a in (A, B) for d in (D1, D2) for i in range(4)])
    return lake


def _day_dir(lake: Lake, day: dt.date) -> str:
    return lake.path(f"findings/scan_date={day.isoformat()}")


def _old(path: str) -> str:
    past = time.time() - 3600
    os.utime(path, (past, past))
    return path


def _killed_write_leftovers(lake: Lake, day: dt.date) -> tuple[str, str, str]:
    """What a writer killed mid-way leaves: a temporary file, an uncommitted data file, and a fresh temp."""
    bucket_file = os.path.basename(lake.files("findings", [day], [A])[0])
    prefix = bucket_file.split("-", 1)[0]
    directory = _day_dir(lake, day)
    temp = f"{directory}/.{prefix}-20261122T000000-deadbeef0000.parquet.0123456789abcdef.tmp"
    orphan = f"{directory}/{prefix}-20261122T000000-deadbeef0001.parquet"
    fresh = f"{directory}/.{prefix}-20261122T000000-deadbeef0002.parquet.fedcba9876543210.tmp"
    for path in (temp, orphan, fresh):
        with open(path, "wb") as handle:
            handle.write(b"PAR1 half written")
    return _old(temp), _old(orphan), fresh


def test_the_next_write_of_the_partition_removes_a_killed_writes_files(lake):
    temp, orphan, fresh = _killed_write_leftovers(lake, D2)
    assert run(lake, "SELECT count(*) AS n FROM findings", ["findings"]).column("n")[0].as_py() == 16
    write_findings(lake, [finding(A, D2, "s3", "s3_check", f"r{i}") for i in range(4)])
    assert not os.path.exists(temp) and not os.path.exists(orphan)
    assert os.path.exists(fresh)  # young: may belong to a writer still at work


def test_lake_check_repair_removes_stale_files(lake, capsys):
    temp, orphan, fresh = _killed_write_leftovers(lake, D1)
    assert main(["lake", "check", "--lake", lake.uri]) == 0  # without --repair: named, left in place
    out = capsys.readouterr().out
    assert f"STALE    {temp}" in out and f"STALE    {orphan}" in out and os.path.basename(fresh) not in out
    assert os.path.exists(temp) and os.path.exists(orphan)
    assert main(["lake", "check", "--lake", lake.uri, "--repair"]) == 0
    out = capsys.readouterr().out
    assert "REMOVED" in out and os.path.basename(temp) in out
    assert not os.path.exists(temp) and not os.path.exists(orphan) and os.path.exists(fresh)


def _garble(path: str) -> None:
    """Overwrite bytes in the middle of the file: the footer still parses, a data page does not."""
    data = bytearray(open(path, "rb").read())
    for i in range(8, len(data) // 2):
        data[i] = 0xFF ^ data[i]
    with open(path, "wb") as handle:
        handle.write(bytes(data))


def test_a_query_names_the_corrupt_file_and_other_days_still_answer(lake):
    bad = lake.files("findings", [D1], [A])[0]
    _garble(bad)
    with pytest.raises(CorruptLakeFile) as caught:
        run(lake, "SELECT count(*) AS n FROM findings", ["findings"])
    assert caught.value.path == bad and bad in str(caught.value)
    # a filter on a column the file holds could match its rows: it must not answer without them
    with pytest.raises(CorruptLakeFile, match=bad):
        run(lake, "SELECT count(*) AS n FROM findings WHERE status = 'FAIL'", ["findings"])
    other_day = run(lake, f"SELECT count(*) AS n FROM findings WHERE scan_date = DATE '{D2}'", ["findings"])
    assert other_day.column("n")[0].as_py() == 8
    with pytest.raises(CorruptLakeFile, match=bad):
        lake.read_partition("findings", {"scan_date": D1, "service": "s3", "account_id": A})


def test_skipping_corrupt_files_when_asked(lake, monkeypatch):
    bad = lake.files("findings", [D1], [A])[0]
    _garble(bad)
    with pytest.warns(UserWarning, match="skipping corrupt lake file"):
        table = run(lake, "SELECT count(*) AS n FROM findings", ["findings"], skip_corrupt=True)
    assert table.column("n")[0].as_py() < 16
    monkeypatch.setenv("POSTUREFLOW_SKIP_CORRUPT", "1")
    with pytest.warns(UserWarning):
        run(lake, "SELECT count(*) AS n FROM findings", ["findings"])


def test_lake_check_names_and_quarantines_corrupt_files(lake, capsys):
    bad = lake.files("findings", [D1], [A])[0]
    _garble(bad)
    assert main(["lake", "check", "--lake", lake.uri]) == 4
    assert f"CORRUPT  {bad}" in capsys.readouterr().out
    assert main(["lake", "check", "--lake", lake.uri, "--quarantine"]) == 0
    assert not os.path.exists(bad)
    assert os.path.exists(lake.path(f"_quarantine/findings/scan_date={D1}/{os.path.basename(bad)}"))
    # the quarantined file's scopes read as not written (not as "no findings"), the rest answers
    assert not lake.partition_exists("findings", {"scan_date": D1, "service": "s3", "account_id": A})
    assert run(lake, "SELECT count(*) AS n FROM findings", ["findings"]).column("n")[0].as_py() > 0
    assert main(["lake", "check", "--lake", lake.uri]) == 0


def _garble_pages(path: str) -> None:
    """Spoil each column's first page header: the footer reads, DuckDB's scan fails naming no file."""
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(path).metadata
    data = bytearray(open(path, "rb").read())
    for column in range(meta.num_columns):
        offset = meta.row_group(0).column(column).data_page_offset
        data[offset:offset + 8] = bytes(b ^ 0xFF for b in data[offset:offset + 8])
    with open(path, "wb") as handle:
        handle.write(bytes(data))


def test_commands_reading_the_lake_name_the_corrupt_file(lake, capsys, monkeypatch):
    """DuckDB says "don't know what type" about a garbled page: the CLI names the file (sql, report, the
    interactive session), and POSTUREFLOW_SKIP_CORRUPT=1 lets sql answer over the rest."""
    import io

    bad = lake.files("findings", [D1], [A])[0]
    _garble_pages(bad)
    for command in (["sql", "SELECT count(*), min(resource_uid) FROM findings"],
                    ["report", "--account", A, "--date", D1.isoformat(), "--format", "csv"]):
        assert main([*command, "--lake", lake.uri]) == 1
        err = capsys.readouterr().err
        assert f"corrupt lake file {bad}" in err, err
    monkeypatch.setattr("sys.stdin", io.StringIO("SELECT count(*) FROM latest_findings;\nSELECT 7 AS seven;\n"))
    assert main(["sql", "--lake", lake.uri, "--format", "csv"]) == 0
    out = capsys.readouterr().out
    assert f"error: corrupt lake file {bad}" in out and "seven" in out
    monkeypatch.setenv("POSTUREFLOW_SKIP_CORRUPT", "1")
    with pytest.warns(UserWarning, match="skipping corrupt lake file"):
        assert main(["sql", "SELECT count(*) AS n FROM findings", "--lake", lake.uri, "--format", "csv"]) == 0
    assert capsys.readouterr().out.split() == ["n", "12"]
