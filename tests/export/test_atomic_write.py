"""An export appears under its name only when complete; a failed one leaves nothing behind."""

import pytest

from kiosk.core.records import Kind
from kiosk.export import OutputPathError, export_records


def _stream(make_record, out, seen, fail=False):
    """Records that look at the target folder half-way, while the export is being written."""
    for seq in range(1, 50):
        yield make_record(seq, Kind.VIEW, {"dwell_s": 3.0, "layer": "de"})
    seen.extend(sorted(p.name for p in out.parent.iterdir()))
    if fail:
        raise OSError(5, "Input/output error")  # as when a USB stick is pulled mid-export
    yield make_record(50, Kind.VIEW, {"dwell_s": 3.0, "layer": "de"})


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_final_name_appears_only_when_complete(fmt, make_record, tmp_path):
    out = tmp_path / f"export.{fmt}"
    seen: list[str] = []
    export_records(_stream(make_record, out, seen), out, fmt)
    assert out.name not in seen and "export-summary.csv" not in seen
    # CSV streams into its temp file; XLSX and JSON into scratch space that becomes the temp file.
    assert seen and all(name.startswith(".") and name.endswith(".part") for name in seen)
    after = sorted(p.name for p in tmp_path.iterdir())
    assert after == (["export-summary.csv", "export.csv"] if fmt == "csv" else [out.name])


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_a_failed_export_leaves_no_file_and_keeps_an_older_one(fmt, make_record, tmp_path):
    from kiosk.export import ExportError

    out = tmp_path / f"export.{fmt}"
    out.write_text("the export from yesterday")
    with pytest.raises(ExportError, match="cannot write") as error:
        export_records(_stream(make_record, out, [], fail=True), out, fmt)
    assert error.value.exit_code == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]
    assert out.read_text() == "the export from yesterday"


def test_an_interrupted_export_cleans_up(make_record, tmp_path):
    def interrupted():
        yield make_record(1, Kind.VIEW, {"dwell_s": 3.0, "layer": "de"})
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        export_records(interrupted(), tmp_path / "export.xlsx", "xlsx")
    assert list(tmp_path.iterdir()) == []


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(OutputPathError, match="does not exist") as error:
        export_records([], tmp_path / "stick" / "export.csv", "csv")
    assert "--out" in str(error.value) and error.value.exit_code == 2


def test_a_folder_as_out_is_refused(tmp_path):
    with pytest.raises(OutputPathError, match="is a folder"):
        export_records([], tmp_path, "json")
