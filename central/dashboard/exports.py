"""Exports from the dashboard and the export log (issue 12, point 5).

The same files as `kiosk-central export` (central/export.py write_export), with the same
filters; CSV comes as a ZIP of the records and the poll summary (both with BOM). The file is
made in a temporary folder and streamed from there; the folder goes when the answer is sent.
Free text only when the form asks for it explicitly. Every export is in the export log before
it is handed out; administrators read the log at /staff/audit.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from kiosk.core.errors import KioskError
from kiosk.core.files import Protected

from ..db import local_files
from ..export import SOURCES, ExportRequest, write_export
from .pages import NO_STORE, _form, _render, filter_choices, staff_of
from .sessions import csrf_for, csrf_ok

router = APIRouter(prefix="/staff", include_in_schema=False)
FORMATS = ("xlsx", "csv", "json")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_MEDIA = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "json": "application/json",
          "csv": "application/zip"}


def _choices(request: Request) -> dict:
    return {**filter_choices(request), "sources": SOURCES, "formats": FORMATS}


@router.get("/export", response_class=HTMLResponse)
async def export_page(request: Request):
    staff = staff_of(request)
    if staff is None:
        return RedirectResponse("/staff/login", status_code=303, headers=NO_STORE)
    return _render(request, "export.html", staff=staff, csrf=csrf_for(request.app.state.form_secret, staff[2]),
                   active="export", problem=None, **_choices(request))


@router.post("/export")
async def export(request: Request):
    staff = staff_of(request)
    if staff is None:
        return Response("Bitte zuerst anmelden (/staff/login).", status_code=403, headers=NO_STORE)
    form = await _form(request)
    if form is None or not csrf_ok(request.app.state.form_secret, staff[2], form.get("csrf")):
        return Response("Das Formular war abgelaufen; bitte die Seite neu laden.", status_code=403, headers=NO_STORE)
    choices = _choices(request)
    problem = _problem(form, choices)
    if problem:
        return _render(request, "export.html", 422, staff=staff, csrf=csrf_for(request.app.state.form_secret, staff[2]),
                       active="export", problem=problem, **choices)
    export_request = ExportRequest(form["format"], form.get("since") or None, form.get("until") or None,
                                   form.get("poll") or None, form.get("kiosk") or None, form.get("source") or None,
                                   include_free_text=form.get("free_text") == "yes", who=staff[0], via="dashboard")
    folder = Path(tempfile.mkdtemp(prefix="central-export-"))
    try:
        path = await run_in_threadpool(_write, request, export_request, folder)
    except KioskError as error:
        shutil.rmtree(folder, ignore_errors=True)
        return _render(request, "export.html", 422, staff=staff, csrf=csrf_for(request.app.state.form_secret, staff[2]),
                       active="export", problem=str(error), **choices)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return FileResponse(path, media_type=_MEDIA[export_request.fmt], filename=path.name, headers=NO_STORE,
                        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True))


def _problem(form: dict, choices: dict) -> str | None:
    if form.get("format") not in FORMATS:
        return "Bitte ein Format wählen."
    for name in ("since", "until"):
        if form.get(name) and not _DAY.fullmatch(form[name]):
            return "Datum bitte als JJJJ-MM-TT."
    if form.get("poll") and form["poll"] not in {value for value, _ in choices["polls"]}:
        return "Diese Umfrage gibt es nicht."
    if form.get("kiosk") and form["kiosk"] not in choices["kiosks"]:
        return "Diesen Kiosk gibt es nicht."
    if form.get("source") and form["source"] not in SOURCES:
        return "Herkunft bitte Kiosk oder Handy."
    return None


def _write(request: Request, export_request: ExportRequest, folder: Path) -> Path:
    settings = request.app.state.settings
    name = f"stadtlabor-export.{export_request.fmt}"
    protected = Protected(stores=local_files(settings.db), configs=[p for p in (settings.path,) if p],
                          content_roots=[settings.content_root], store_label="the central's database",
                          config_label="the central's settings")
    result = write_export(request.app.state.db, settings, export_request, folder / name, protected)
    if export_request.fmt != "csv":
        return result.paths[0]
    bundle = folder / "stadtlabor-export-csv.zip"
    # zlib's fastest level: a million records' CSV (242 MB) zips in about 2 s to 66 MB, where the
    # default level takes 7 s for 57 MB (bench/bench_central_export.py), the staff member waiting.
    with zipfile.ZipFile(bundle, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for path in result.paths:
            archive.write(path, path.name)
    return bundle


@router.get("/audit", response_class=HTMLResponse)
async def audit(request: Request):
    staff = staff_of(request)
    if staff is None:
        return RedirectResponse("/staff/login", status_code=303, headers=NO_STORE)
    if not staff[1]:
        return _render(request, "message.html", 403, staff=staff, csrf=csrf_for(request.app.state.form_secret, staff[2]),
                       message="Das Export-Protokoll sehen nur Administratorinnen und Administratoren.")
    return _render(request, "audit.html", staff=staff, csrf=csrf_for(request.app.state.form_secret, staff[2]),
                   active="audit", entries=request.app.state.db.export_log())
