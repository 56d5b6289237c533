"""Reading an export back for the staff screen: complete files pass, damaged ones say so."""

import os
from pathlib import Path

import pytest

from kiosk.core.records import Kind
from kiosk.export import export_records, find_removable_media, verify_export


def _export(make_record, tmp_path, fmt, n=25):
    records = [make_record(seq, Kind.IDEA, {"text": f"Zeile {seq}\nmit Umbruch, \"Zitat\" und 😀", "layer": "de"})
               for seq in range(1, n + 1)]
    out = tmp_path / f"export.{fmt}"
    return out, export_records(records, out, fmt, include_free_text=True)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_a_complete_export_verifies(fmt, make_record, tmp_path):
    out, result = _export(make_record, tmp_path, fmt)
    check = verify_export(out, fmt, result.records)
    assert check.ok and check.found == 25 and "25" in check.message


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_a_wrong_count_fails(fmt, make_record, tmp_path):
    out, _ = _export(make_record, tmp_path, fmt)
    check = verify_export(out, fmt, 26)
    assert not check.ok and check.found == 25 and "25 von 26" in check.message


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_a_truncated_file_fails(fmt, make_record, tmp_path):
    out, result = _export(make_record, tmp_path, fmt)
    data = out.read_bytes()
    out.write_bytes(data[: len(data) * 2 // 3])
    check = verify_export(out, fmt, result.records)
    assert not check.ok and "erneut exportieren" in check.message


def test_a_missing_file_fails_with_a_hint(tmp_path):
    check = verify_export(tmp_path / "weg.xlsx", "xlsx", 3)
    assert not check.ok and check.found is None and "USB-Stick" in check.message


def test_a_csv_without_its_summary_file_fails(make_record, tmp_path):
    out, result = _export(make_record, tmp_path, "csv")
    (tmp_path / "export-summary.csv").unlink()
    assert not verify_export(out, "csv", result.records).ok


def test_json_verify_streams_across_chunk_boundaries(make_record, tmp_path):
    # More than one 1 MiB read: objects and strings are split between chunks.
    out, result = _export(make_record, tmp_path, "json", n=12_000)
    assert out.stat().st_size > 2 << 20
    assert verify_export(out, "json", 12_000).ok


def test_removable_media_are_mounted_writable_folders(tmp_path):
    (tmp_path / "usb0").mkdir()
    assert find_removable_media([str(tmp_path / "*")]) == []  # a folder that is not a mount point
    mounts = [line.split()[1] for line in Path("/proc/self/mounts").read_text(encoding="utf-8").splitlines()]
    writable = [m for m in mounts if os.path.isdir(m) and os.access(m, os.W_OK | os.X_OK) and m != "/"]
    if writable:
        assert find_removable_media([writable[0]]) == [Path(writable[0])]
    assert all(p.is_dir() for p in find_removable_media())
