"""JSON: one object {"export": {...}, "summaries": [...], "ratings": [...], "records": [...]}, written as it goes.

The records stream into a spool file beside the output while the summaries are counted; the
final file is then the summaries followed by the spooled records, so a reader sees the
summaries first and no record list is ever held in memory. JSON is data, not a sheet:
text is kept exactly as typed (no formula neutralising), umlauts and emoji unescaped.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from .columns import layout, record_values
from .summary import PollSummary

_BUFFER = 1 << 20


class JsonExport:
    def __init__(self, path: Path, spool_path: Path, columns: tuple[str, ...]):
        self._path, self._spool_path = path, spool_path
        self._columns = columns
        self._include_free_text, self._extra = layout(columns)
        self._spool = open(spool_path, "w", encoding="utf-8", buffering=_BUFFER)
        self._first = True
        self._dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

    def add(self, record) -> None:
        line = self._dumps(dict(zip(self._columns, record_values(record, self._include_free_text, self._extra))))
        self._spool.write(("\n" if self._first else ",\n") + line)
        self._first = False

    def finish(self, summaries: list[PollSummary], meta: dict, ratings=()) -> None:
        self._spool.close()
        with open(self._path, "w", encoding="utf-8", buffering=_BUFFER) as out:
            out.write('{"export":' + json.dumps(meta, ensure_ascii=False) + ',\n"summaries":[')
            out.write(",".join("\n" + json.dumps(s.as_json(), ensure_ascii=False) for s in summaries))
            out.write('\n],\n"ratings":[')
            out.write(",".join("\n" + json.dumps(r.as_json(), ensure_ascii=False) for r in ratings))
            out.write('\n],\n"records":[')
            with open(self._spool_path, encoding="utf-8") as spool:
                shutil.copyfileobj(spool, out, _BUFFER)
            out.write("\n]}\n")
        os.unlink(self._spool_path)

    def close(self) -> None:
        self._spool.close()
        if self._spool_path.exists():
            os.unlink(self._spool_path)
