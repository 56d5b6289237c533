"""Problems found in content files, reported as `path:line: field: message`."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import Enum


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one file; `line` is None where no line applies."""

    path: str
    field: str
    message: str
    line: int | None = None
    severity: Severity = Severity.ERROR

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        field = self.field or "-"
        tag = "warning: " if self.severity is Severity.WARNING else ""
        return f"{where}: {field}: {tag}{self.message}"

    def as_json(self) -> dict:
        data = asdict(self)
        data["severity"] = self.severity.value
        return data


def format_loc(loc: tuple) -> str:
    """('polls', 0, 'options', 1, 'id') -> 'polls[0].options[1].id'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out
