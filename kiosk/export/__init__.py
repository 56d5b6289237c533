"""Exports of poll results and records: CSV, XLSX, JSON, and reading them back.

    export_store(store, out, "xlsx", exhibits=content.exhibits, selection=Selection(period_from_days("2026-03-01")))
    verify_export(out, "xlsx", result.records)

Never imports kivy; the staff screen and `kiosk export` both call these.
"""

import importlib

# Eager: the function `columns` shares its name with its module, which would otherwise shadow it.
from .columns import BASE_COLUMNS, FREE_TEXT_COLUMN, columns

# Where each name lives. Loaded on first use: every `kiosk` command imports the export's
# command line, and `kiosk run` should not load the exporters at start-up.
_HOMES = {
    "neutralise": "cells", "summary_path": "csv_out", "CSV_DIALECTS": "csv_out", "EXCEL_DE": "csv_out",
    "RFC4180": "csv_out", "UnknownDialectError": "csv_out", "RatingSummary": "summary", "RatingBuilder": "summary", "BadDateError": "errors", "ExportError": "errors", "OutputPathError": "errors",
    "StoreNotFoundError": "errors", "UnknownFormatError": "errors", "find_removable_media": "media",
    "Period": "period", "parse_day": "period", "period_from_days": "period", "FORMATS": "run",
    "ExportResult": "run", "Selection": "run", "export_records": "run", "export_store": "run",
    "open_store": "run", "AnswerCount": "summary", "PollSummary": "summary", "SummaryBuilder": "summary",
    "VerifyResult": "verify", "verify_export": "verify", "EXCEL_MAX_ROWS": "xlsx_out",
}


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_HOMES[name]}", __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "AnswerCount", "BASE_COLUMNS", "CSV_DIALECTS", "EXCEL_DE", "RFC4180", "RatingBuilder", "RatingSummary",
    "UnknownDialectError", "BadDateError", "EXCEL_MAX_ROWS", "ExportError", "ExportResult", "FORMATS",
    "FREE_TEXT_COLUMN", "OutputPathError", "Period", "PollSummary", "Selection", "StoreNotFoundError",
    "SummaryBuilder", "UnknownFormatError", "VerifyResult", "columns", "export_records", "export_store",
    "find_removable_media", "neutralise", "open_store", "parse_day", "period_from_days", "summary_path",
    "verify_export",
]
