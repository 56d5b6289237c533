"""The results page (issue 12, point 2): per poll, counts and percentages, a bar chart drawn on
the server as SVG (no script, nothing loaded from elsewhere) and a table beside it with the
same numbers as text.

Counted from the central's vote tallies (CentralDb.vote_results), never from the records, so
the page answers as fast with a million records as with ten (bench/bench_results.py). A
reworded question (another question_version) is a different question: its answers are shown
apart and never added to the current one's. Votes flagged as bursts are left out unless asked
for, and their number is always shown apart. Filters come as a plain GET form; a value that
is not one of the choices is named on the page (400), never a 500.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from kiosk.core.content_model import PollType
from kiosk.core.numbers import decimal, whole
from kiosk.export.summary import CURRENT, EARLIER, SummaryBuilder

from .pages import NO_STORE, _render, filter_choices, staff_of
from .sessions import csrf_for

router = APIRouter(prefix="/staff", include_in_schema=False)
VERSIONS = {"": "alle Fassungen, getrennt", "current": "nur die aktuelle Fassung",
            "earlier": "nur frühere Fassungen"}
SOURCE_WORDS = {"": "Kiosk und Handy", "kiosk": "nur Kiosk", "phone": "nur Handy"}
# Longer than any day, kiosk id (63) or EXHIBIT/POLL pair; anything longer is not a choice.
MAX_VALUE_CHARS = 130
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
# The chart's geometry in SVG units; the picture scales with the page's width.
BAR_X, BAR_WIDTH, ROW_HEIGHT, LABEL_CHARS = 250, 230, 30, 28


@dataclass(frozen=True)
class Filters:
    """The form's values as sent (shortened for showing them again), and what they select."""

    since: str = ""
    until: str = ""
    kiosk: str = ""
    source: str = ""
    version: str = ""
    poll: str = ""
    suspect: bool = False

    @property
    def chosen(self) -> bool:
        return any((self.since, self.until, self.kiosk, self.source, self.version, self.poll, self.suspect))


def _filters(params, choices: dict) -> tuple[Filters, str | None]:
    """The filters of the query string and the first problem with them (German, for the page)."""
    values = {name: params.get(name, "") for name in ("since", "until", "kiosk", "source", "version", "poll")}
    shown = {name: value[:MAX_VALUE_CHARS] for name, value in values.items()}
    filters = Filters(**shown, suspect=params.get("suspect") == "1")
    if any(len(value) > MAX_VALUE_CHARS for value in values.values()):
        return filters, "Ein Filterwert ist zu lang; bitte die Auswahl im Formular nutzen."
    days = []
    for name, words in (("since", "Von"), ("until", "Bis")):
        if values[name]:
            day = _day(values[name])
            if day is None:
                return filters, f"„{words}“: Datum bitte als JJJJ-MM-TT (z. B. 2026-11-30)."
            days.append(day)
    if len(days) == 2 and days[0] > days[1]:
        return filters, "Das Von-Datum liegt nach dem Bis-Datum."
    if values["kiosk"] and values["kiosk"] not in choices["kiosks"]:
        return filters, "Diesen Kiosk gibt es nicht; bitte einen aus der Liste wählen."
    if values["source"] not in SOURCE_WORDS:
        return filters, "Herkunft bitte Kiosk oder Handy."
    if values["version"] not in VERSIONS:
        return filters, "Fassung bitte aktuell oder früher."
    if values["poll"] and values["poll"] not in {value for value, _ in choices["polls"]}:
        return filters, "Diese Umfrage gibt es nicht."
    return filters, None


def _day(text: str) -> dt.date | None:
    if not _DAY.fullmatch(text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


@router.get("/results", response_class=HTMLResponse)
async def results(request: Request):
    staff = staff_of(request)
    if staff is None:
        return RedirectResponse("/staff/login", status_code=303, headers=NO_STORE)
    choices = filter_choices(request)
    filters, problem = _filters(request.query_params, choices)
    polls = [] if problem else await run_in_threadpool(_polls, request, filters)
    return _render(request, "results.html", 400 if problem else 200, staff=staff, bar_x=BAR_X, bar_width=BAR_WIDTH,
                   csrf=csrf_for(request.app.state.form_secret, staff[2]), active="results", filters=filters,
                   problem=problem, polls=polls, suspect=sum(p["suspect"] for p in polls),
                   polls_choice=choices["polls"], kiosks=choices["kiosks"], versions=VERSIONS, sources=SOURCE_WORDS)


def _polls(request: Request, filters: Filters) -> list[dict]:
    """One entry per poll and question version in the selection, in the content's order, each
    earlier version right after the current one."""
    exhibit_id, poll_id = filters.poll.split("/", 1) if filters.poll else (None, None)
    rows = request.app.state.db.vote_results(
        since_day=filters.since or None, until_day=filters.until or None, kiosk_id=filters.kiosk or None,
        source=filters.source or None, exhibit_id=exhibit_id, poll_id=poll_id)
    builder, suspect = SummaryBuilder(), Counter()
    for exhibit, poll, version, is_suspect, answer, votes in rows:
        if is_suspect and not answer:
            suspect[(exhibit, poll, version)] += votes
        # Included suspect votes count like any other; left out, the builder keeps them apart.
        builder.add_tally(exhibit, poll, version, is_suspect and not filters.suspect, answer or None,
                          votes if answer else 0, 0 if answer else votes)
    content = request.app.state.phone_content
    exhibits = content.exhibits() if content is not None else []
    kinds = {(e.id, p.id): p.type for e in exhibits for p in e.polls}
    out = []
    for summary in builder.summaries(exhibits, exhibit_id=exhibit_id, poll_id=poll_id):
        if (filters.version == "current" and summary.status != CURRENT) or \
                (filters.version == "earlier" and summary.status == CURRENT):
            continue
        key = (summary.exhibit_id, summary.poll_id, summary.question_version)
        out.append(_poll_view(summary, kinds.get(key[:2]), suspect[key], filters.suspect))
    return out


def _poll_view(summary, poll_type: PollType | None, suspect: int, suspect_included: bool) -> dict:
    multi = poll_type is PollType.MULTI
    answers = [{"label": a.label, "short": _short(a.label), "count": a.count, "count_text": whole(a.count, "de"),
                "percent_text": _percent(a.percent), "bar": round(BAR_WIDTH * (a.percent or 0) / 100, 1)}
               for a in summary.answers]
    for row, answer in enumerate(answers):
        answer["y"] = row * ROW_HEIGHT
    return {
        "id": f"{summary.exhibit_id}-{summary.poll_id}-{summary.question_version}",
        "exhibit_title": summary.exhibit_title or summary.exhibit_id, "question": summary.question or summary.poll_id,
        "poll": f"{summary.exhibit_id}/{summary.poll_id}", "version": summary.question_version or "–",
        "current": summary.status == CURRENT, "earlier": summary.status == EARLIER, "type_label": summary.type_label,
        "multi": multi, "voters": summary.voters, "voters_text": whole(summary.voters, "de"),
        "suspect": suspect, "suspect_text": whole(suspect, "de"), "suspect_included": suspect_included,
        "answers": answers, "chart_height": max(1, len(answers)) * ROW_HEIGHT,
        "chart_label": _chart_label(summary, answers, multi),
    }


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{decimal(value, 'de')}\u00a0%"


def _short(label: str) -> str:
    """An answer's words as the chart shows them beside its bar (the table has them in full)."""
    return label if len(label) <= LABEL_CHARS else label[:LABEL_CHARS - 1].rstrip() + "…"


def _chart_label(summary, answers: list[dict], multi: bool) -> str:
    """What a screen reader says for the chart: the numbers, since the bars are a picture."""
    if not summary.voters:
        return f"Balkendiagramm: noch keine Stimmen zu „{summary.question or summary.poll_id}“"
    parts = "; ".join(f"{a['label']}: {a['percent_text']} ({a['count_text']})" for a in answers)
    base = "der Abstimmenden, Mehrfachauswahl" if multi else "der Stimmen"
    return f"Balkendiagramm, Anteile {base}, {summary.voters} Abstimmende: {parts}"
