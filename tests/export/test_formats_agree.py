"""The three formats carry the same rows; CSV quoting follows RFC 4180."""

from kiosk.core.records import Flag, Kind
from kiosk.export import BASE_COLUMNS, export_records

from .readback import csv_rows, json_doc, xlsx_rows


def _records(make_record, vote):
    return [
        vote(1, "programmwerkstatt", "themen", ["klima", "smartphone"]),
        vote(2, "stadtlabor", "zufriedenheit", ["1"], suspect=True),
        make_record(3, Kind.VIEW, {"dwell_s": 12.5, "layer": "ls"}, exhibit_id="open-data"),
        make_record(4, Kind.FEEDBACK, {"rating": 5, "comment": 'Sehr gut, "wirklich"\r\nZweite Zeile', "layer": "en"},
                    exhibit_id="open-data", flags=(Flag.CONTACT_DATA,)),
        make_record(5, Kind.SESSION, {"started_at": "2026-03-10T09:58:00Z", "ended_at": "2026-03-10T10:00:00Z",
                                      "layer": "de", "ended_by": "idle"}),
        make_record(6, Kind.IDEA, {"text": "Bänke, Bäume, \"Schatten\"", "layer": "de"}, exhibit_id="stadtlabor"),
    ]


def _text(value) -> str:
    if value is None:
        return ""
    return ";".join(value) if isinstance(value, list) else str(value)


def test_csv_xlsx_and_json_hold_the_same_values(make_record, vote, tmp_path):
    records = _records(make_record, vote)
    for fmt in ("csv", "xlsx", "json"):
        export_records(records, tmp_path / f"e.{fmt}", fmt, include_free_text=True)
    from_csv = csv_rows(tmp_path / "e.csv")
    from_json = [{k: _text(v) for k, v in row.items()} for row in json_doc(tmp_path / "e.json")["records"]]
    from_xlsx = [{k: "" if v is None else str(v) for k, v in row.items()} for row in xlsx_rows(tmp_path / "e.xlsx")]
    assert list(from_csv[0]) == list(BASE_COLUMNS) + ["free_text"]
    # openpyxl reads the CR of a cell as OOXML's escape; compare the rest as it is.
    from_xlsx[3]["free_text"] = from_xlsx[3]["free_text"].replace("_x000D_", "\r")
    assert from_csv == from_json
    assert from_xlsx == from_csv
    assert from_csv[0]["answers"] == "klima;smartphone" and from_csv[1]["flags"] == "suspect_burst"
    assert from_csv[3]["free_text"] == 'Sehr gut, "wirklich"\r\nZweite Zeile'


def test_csv_is_rfc_4180(make_record, vote, tmp_path):
    out = tmp_path / "e.csv"
    export_records(_records(make_record, vote), out, "csv", include_free_text=True)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfid,kiosk_id,seq,")
    assert b'"Sehr gut, ""wirklich""\r\nZweite Zeile"' in raw
    assert b'"B\xc3\xa4nke, B\xc3\xa4ume, ""Schatten"""' in raw
    assert raw.endswith(b"\r\n") and raw.count(b"\n") == 8  # header, 6 records, one line break inside a field
