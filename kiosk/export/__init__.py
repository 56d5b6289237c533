"""Exports of poll results and records: CSV, XLSX, JSON, and reading them back.

    export_store(store, out, "xlsx", exhibits=content.exhibits, selection=Selection(period_from_days("2026-03-01")))
    verify_export(out, "xlsx", result.records)

Never imports kivy; the staff screen and `kiosk export` both call these.
"""

from .cells import neutralise
from .columns import BASE_COLUMNS, FREE_TEXT_COLUMN, columns
from .csv_out import summary_path
from .errors import BadDateError, ExportError, OutputPathError, StoreNotFoundError, UnknownFormatError
from .media import find_removable_media
from .period import Period, parse_day, period_from_days
from .run import FORMATS, ExportResult, Selection, export_records, export_store, open_store
from .summary import AnswerCount, PollSummary, SummaryBuilder
from .verify import VerifyResult, verify_export
from .xlsx_out import EXCEL_MAX_ROWS

__all__ = [
    "AnswerCount", "BASE_COLUMNS", "BadDateError", "EXCEL_MAX_ROWS", "ExportError", "ExportResult", "FORMATS",
    "FREE_TEXT_COLUMN", "OutputPathError", "Period", "PollSummary", "Selection", "StoreNotFoundError",
    "SummaryBuilder", "UnknownFormatError", "VerifyResult", "columns", "export_records", "export_store",
    "find_removable_media", "neutralise", "open_store", "parse_day", "period_from_days", "summary_path",
    "verify_export",
]
