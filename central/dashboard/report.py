"""The report for the administration (issue 12, point 6): for a period, participation over
time, every poll's results (the results page's charts and tables) and the approved ideas with
what became of them; a print-styled page, and a PDF printed from the same page by Chromium
(pdf.py says why Chromium).

The period is a pair of local days, both included (default: the last 30 days). Every PDF is
written to the export log like an export (it carries citizens' approved ideas).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool

from kiosk.core.clock import local_zone, utc_now, utc_text
from kiosk.core.numbers import whole

from ..phone.security import SECURITY_HEADERS
from .moderation import LAYERS, STATUS_WORDS
from .pages import NO_STORE, _local, _render, staff_of, templates
from .pdf import PRINT_CSP, PdfUnavailable, print_to_pdf
from .results import BAR_WIDTH, BAR_X, MAX_VALUE_CHARS, Filters, _day, _polls
from .sessions import csrf_for, now_text

router = APIRouter(prefix="/staff", include_in_schema=False)
HERE = Path(__file__).parent
DEFAULT_DAYS = 30
MAX_DAYS = 3 * 366
_STEP_PLURAL = {"Tag": "Tage", "Woche": "Wochen", "Monat": "Monate"}
# What a period's participation counts, in the report's words.
COUNTED = {"session": "Besuche", "vote": "Stimmen", "feedback": "Bewertungen", "idea": "Ideen"}
# The participation chart's geometry in SVG units (it scales with the page).
CHART_WIDTH, CHART_HEIGHT, CHART_TOP, CHART_BOTTOM, CHART_LEFT = 680, 220, 12, 36, 44
_STYLES = Markup("\n".join((HERE / name).read_text(encoding="utf-8") for name in ("dashboard.css", "report.css")))
_REPORT_CSS = (HERE / "report.css").read_bytes()


def _period(params) -> tuple[dt.date, dt.date, str | None]:
    """(first day, last day) of the query's period, and the first problem with it (German)."""
    today = utc_now().astimezone(local_zone()).date()
    first, last = today - dt.timedelta(days=DEFAULT_DAYS - 1), today
    for name, words in (("since", "Von"), ("until", "Bis")):
        text = params.get(name, "")
        if not text:
            continue
        day = _day(text) if len(text) <= MAX_VALUE_CHARS else None
        if day is None:
            return first, last, f"„{words}“: Datum bitte als JJJJ-MM-TT (z. B. 2026-11-30)."
        first, last = (day, last) if name == "since" else (first, day)
    if first > last:
        return first, last, "Das Von-Datum liegt nach dem Bis-Datum."
    if (last - first).days >= MAX_DAYS:
        return first, last, "Ein Bericht umfasst höchstens drei Jahre; bitte einen kürzeren Zeitraum wählen."
    return first, last, None


def _utc_bounds(first: dt.date, last: dt.date) -> tuple[str, str]:
    """[since, until) as the records' UTC text: local midnight of the first day to local
    midnight after the last."""
    zone = local_zone()
    start = dt.datetime.combine(first, dt.time(), zone)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), zone)
    return utc_text(start), utc_text(end)


def _buckets(first: dt.date, last: dt.date) -> tuple[str, list[dt.date]]:
    """The participation chart's steps: days up to two months, then weeks, then months."""
    span = (last - first).days + 1
    if span <= 62:
        return "Tag", [first + dt.timedelta(days=n) for n in range(span)]
    if span <= 366:
        monday = first - dt.timedelta(days=first.weekday())
        return "Woche", [monday + dt.timedelta(weeks=n) for n in range((last - monday).days // 7 + 1)]
    months, day = [], first.replace(day=1)
    while day <= last:
        months.append(day)
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return "Monat", months


def _bucket_of(day: dt.date, step: str) -> dt.date:
    if step == "Tag":
        return day
    if step == "Woche":
        return day - dt.timedelta(days=day.weekday())
    return day.replace(day=1)


def _bucket_words(day: dt.date, step: str) -> str:
    if step == "Tag":
        return day.strftime("%d.%m.")
    if step == "Woche":
        return f"KW {day.isocalendar()[1]}"
    return day.strftime("%m/%Y")


def participation(db, first: dt.date, last: dt.date) -> dict:
    """Visits and contributions per step of the period (local days), kiosk and phone apart."""
    since, until = _utc_bounds(first, last)
    step, steps = _buckets(first, last)
    counts: Counter = Counter()
    zone = local_zone()
    for hour, kind, source, records in db.participation(since, until):
        if kind not in COUNTED:
            continue
        moment = dt.datetime.strptime(hour, "%Y-%m-%dT%H").replace(tzinfo=dt.timezone.utc)
        bucket = _bucket_of(moment.astimezone(zone).date(), step)
        counts[(bucket, kind, source)] += records
    rows = []
    for bucket in steps:
        row = {kind: sum(counts[(bucket, kind, source)] for source in ("kiosk", "phone")) for kind in COUNTED}
        phone = sum(counts[(bucket, kind, "phone")] for kind in COUNTED if kind != "session")
        contributions = row["vote"] + row["feedback"] + row["idea"]
        rows.append({"label": _bucket_words(bucket, step), "counts": {k: whole(v, "de") for k, v in row.items()},
                     "any": any(row.values()),
                     "contributions": contributions, "phone": phone, "phone_text": whole(phone, "de"),
                     "contributions_text": whole(contributions, "de")})
    totals = {kind: sum(counts[key] for key in counts if key[1] == kind) for kind in COUNTED}
    quiet = sum(1 for row in rows if not row["any"])
    quiet_words = f"{quiet} {step if quiet == 1 else _STEP_PLURAL[step]}" if quiet else ""
    return {"step": step, "rows": rows, "quiet": quiet_words,
            "totals": {k: whole(v, "de") for k, v in totals.items()},
            "phone": whole(sum(r["phone"] for r in rows), "de"), "chart": _columns(rows, step)}


def _columns(rows: list[dict], step: str) -> dict:
    """The contributions per step as columns, the phone's part of each drawn darker."""
    top = max((row["contributions"] for row in rows), default=0)
    scale = _nice_top(top)
    inner = CHART_HEIGHT - CHART_TOP - CHART_BOTTOM
    slot = (CHART_WIDTH - CHART_LEFT) / max(1, len(rows))
    every = -(-len(rows) // 10)  # at most ten labels under the columns
    columns = []
    for index, row in enumerate(rows):
        height = inner * row["contributions"] / scale if scale else 0
        phone = inner * row["phone"] / scale if scale else 0
        columns.append({"x": round(CHART_LEFT + index * slot + slot * 0.15, 1), "width": round(slot * 0.7, 1),
                        "y": round(CHART_TOP + inner - height, 1), "height": round(height, 1),
                        "phone_y": round(CHART_TOP + inner - phone, 1), "phone_height": round(phone, 1),
                        "label": row["label"] if index % every == 0 else "",
                        "label_x": round(CHART_LEFT + index * slot + slot / 2, 1)})
    ticks = [{"y": round(CHART_TOP + inner - inner * part / 4, 1), "text": whole(round(scale * part / 4), "de")}
             for part in range(5)] if scale else []
    total = sum(row["contributions"] for row in rows)
    label = (f"Säulendiagramm: Beiträge (Stimmen, Bewertungen, Ideen) je {step}, zusammen {whole(total, 'de')}; "
             f"die Zahlen stehen in der Tabelle darunter")
    return {"columns": columns, "ticks": ticks, "width": CHART_WIDTH, "height": CHART_HEIGHT,
            "left": CHART_LEFT, "base": CHART_HEIGHT - CHART_BOTTOM, "label": label, "empty": total == 0}


def _nice_top(value: int) -> int:
    """The chart's top: four steps of 1, 2, 2.5 or 5 times a power of ten, the least that
    reaches `value` (whole numbers on the axis)."""
    if value <= 0:
        return 0
    power = 1
    while True:
        for factor in (1, 2, 2.5, 5):
            step = factor * power
            if step * 4 >= value and step == int(step):
                return int(step * 4)
        power *= 10


def _ideas(db, first: dt.date, last: dt.date, titles: dict[str, str]) -> list[dict]:
    since, until = _utc_bounds(first, last)
    out = []
    for idea in db.answered_ideas(since, until):
        answer = idea["answer"] or {}
        out.append({**idea, "created": _local(idea["created_at"]), "answered": _local(idea["answered_at"]),
                    "status_word": STATUS_WORDS.get(idea["status"], idea["status"]),
                    "exhibit": titles.get(idea["exhibit_id"], idea["exhibit_id"] or ""),
                    "source_word": "Handy" if idea["source"] == "phone" else f"Kiosk {idea['kiosk_id']}",
                    "answers": [(LAYERS[layer], answer[layer]) for layer in LAYERS if answer.get(layer)]})
    return out


def _report_values(request: Request, first: dt.date, last: dt.date) -> dict:
    db = request.app.state.db
    content = request.app.state.phone_content
    titles = {} if content is None else {exhibit.id: exhibit.title.de for exhibit in content.exhibits()}
    polls = [poll for poll in _polls(request, Filters(since=first.isoformat(), until=last.isoformat()))
             if poll["voters"]]
    return {"first": first.strftime("%d.%m.%Y"), "last": last.strftime("%d.%m.%Y"), "participation": participation(db, first, last), "polls": polls,
            "ideas": _ideas(db, first, last, titles), "counted": COUNTED, "bar_x": BAR_X, "bar_width": BAR_WIDTH,
            "made_at": _local(now_text()), "content_version": content.version if content is not None else None}


@router.get("/static/report.css")
async def stylesheet():
    return Response(_REPORT_CSS, media_type="text/css", headers={"Cache-Control": "public, max-age=3600",
                                                                 **SECURITY_HEADERS})


@router.get("/report", response_class=HTMLResponse)
async def report(request: Request):
    staff = staff_of(request)
    if staff is None:
        return RedirectResponse("/staff/login", status_code=303, headers=NO_STORE)
    first, last, problem = _period(request.query_params)
    values = {} if problem else await run_in_threadpool(_report_values, request, first, last)
    return _render(request, "report.html", 400 if problem else 200, staff=staff, active="report", problem=problem,
                   csrf=csrf_for(request.app.state.form_secret, staff[2]),
                   since=request.query_params.get("since", first.isoformat())[:MAX_VALUE_CHARS],
                   until=request.query_params.get("until", last.isoformat())[:MAX_VALUE_CHARS], **values)


@router.get("/report.pdf")
async def report_pdf(request: Request):
    staff = staff_of(request)
    if staff is None:
        return RedirectResponse("/staff/login", status_code=303, headers=NO_STORE)
    first, last, problem = _period(request.query_params)
    if problem:
        return _render(request, "message.html", 400, staff=staff, csrf=csrf_for(request.app.state.form_secret,
                                                                                 staff[2]),
                       active="report", heading="Bericht", message=problem)
    values = await run_in_threadpool(_report_values, request, first, last)
    html = templates.get_template("report_print.html").render(styles=_STYLES, csp=PRINT_CSP, **values)
    db = request.app.state.db
    log_id = await run_in_threadpool(db.log_export, now_text(), staff[0], "report", "pdf",
                                     {"since": first.isoformat(), "until": last.isoformat()}, True)
    try:
        pdf = await run_in_threadpool(print_to_pdf, html)
    except PdfUnavailable as trouble:
        await run_in_threadpool(db.export_done, log_id, 0)
        return _render(request, "message.html", 503, staff=staff,
                       csrf=csrf_for(request.app.state.form_secret, staff[2]), active="report",
                       heading="Bericht als PDF", message=str(trouble))
    await run_in_threadpool(db.export_done, log_id, len(values["ideas"]))
    name = f"stadtlabor-bericht-{first.isoformat()}-bis-{last.isoformat()}.pdf"
    return Response(pdf, media_type="application/pdf",
                    headers={**NO_STORE, "Content-Disposition": f'attachment; filename="{name}"'})
