"""A report's PDF, printed from its own HTML by Chromium (headless, print to PDF).

Why Chromium and not a Python PDF library: the PDF is the very page staff see and check in the
dashboard, with the same SVG charts and the same print stylesheet, so there is one layout to
keep right, not two; the libraries that render HTML and SVG well (WeasyPrint) bring Pango and
Cairo and a second layout engine, and the ones that do not (ReportLab, fpdf2) would need the
report drawn a second time in code. Debian's `chromium` is a package the dashboard's tests
install anyway; a central without it still serves the report as a page to print from the
browser, and the PDF link says what to install.

The page is printed from a file in a temporary folder with its stylesheet inline, a
Content-Security-Policy of its own (no script runs, nothing is fetched: the charts are inline
SVG) and a throwaway profile; nothing of it stays behind.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

PRINT_TIMEOUT_S = 60
# In the printed file: styles inline, and nothing else at all (no script, no fetch).
PRINT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


class PdfUnavailable(Exception):
    """The PDF could not be made; the words say why and what to do."""


def chromium_command() -> str | None:
    """Debian's Chromium (`chromium`), or another Chromium or Chrome on the PATH."""
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def print_to_pdf(html: str) -> bytes:
    """`html` (a whole page, styles inline) as a PDF, A4 as its stylesheet says."""
    chromium = chromium_command()
    if chromium is None:
        raise PdfUnavailable("Für das PDF braucht die Zentrale Chromium (Debian: apt install chromium). "
                             "Bis dahin: den Bericht im Browser öffnen und drucken (Strg+P, „Als PDF speichern“).")
    with tempfile.TemporaryDirectory(prefix="stadtlabor-report-") as folder:
        page, pdf = Path(folder) / "report.html", Path(folder) / "report.pdf"
        page.write_text(html, encoding="utf-8")
        command = [chromium, "--headless", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
                   "--disable-extensions", "--disable-background-networking", f"--user-data-dir={folder}/profile",
                   f"--print-to-pdf={pdf}", "--no-pdf-header-footer", page.as_uri()]
        if os.geteuid() == 0:
            command.insert(1, "--no-sandbox")  # Chromium's sandbox refuses to run as root
        try:
            done = subprocess.run(command, capture_output=True, timeout=PRINT_TIMEOUT_S, check=False,
                                  stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise PdfUnavailable(f"Chromium hat das PDF nicht in {PRINT_TIMEOUT_S} s gedruckt. "
                                 "Bitte später noch einmal versuchen oder den Bericht im Browser drucken.") from None
        if not pdf.exists() or pdf.stat().st_size == 0:
            said = done.stderr.decode("utf-8", "replace").strip().splitlines()
            last = next((line for line in reversed(said) if "dbus" not in line), "keine Ausgabe")
            raise PdfUnavailable(f"Chromium hat kein PDF gemacht (Exit {done.returncode}: {last[:200]}). "
                                 "Den Bericht im Browser drucken (Strg+P) geht immer.")
        return pdf.read_bytes()
