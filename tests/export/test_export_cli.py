"""`kiosk export` as a real process: exit codes and messages."""

from __future__ import annotations

import functools
import subprocess
import sys

import pytest

from conftest import PROJECT


@functools.cache
def _module() -> str:
    # Runs through `kiosk.cli` once the export command is hooked in there; until then through
    # the export package's own entry point, which builds the same parser.
    from kiosk.cli import build_parser

    commands = next(a for a in build_parser()._actions if a.__class__.__name__ == "_SubParsersAction")
    return "kiosk.cli" if "export" in commands.choices else "kiosk.export.cli"


def run_export(*args: str, cwd=PROJECT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", _module(), "export", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


@pytest.fixture
def config(tmp_path):
    """A config whose store and content roots live in tmp_path / the project."""
    path = tmp_path / "config.toml"
    path.write_text(f'[content]\nroot = "{PROJECT}"\n\n[store]\npath = "var/kiosk.sqlite3"\n', encoding="utf-8")
    return path


def test_help_explains_the_csv_summary_file():
    result = run_export("--help")
    assert result.returncode == 0
    assert "-summary.csv" in result.stdout and "--include-free-text" in result.stdout


@pytest.mark.parametrize("flag", ["--since", "--until"])
def test_a_bad_date_exits_2_naming_the_argument(flag, config, tmp_path):
    result = run_export("--config", str(config), "--format", "csv", "--out", str(tmp_path / "x.csv"),
                        flag, "31.12.2026")
    assert result.returncode == 2
    assert f"{flag}: '31.12.2026' is not a date" in result.stderr and "Traceback" not in result.stderr


def test_a_missing_out_folder_exits_2(config, tmp_path):
    result = run_export("--config", str(config), "--format", "xlsx", "--out", str(tmp_path / "stick" / "x.xlsx"))
    assert result.returncode == 2
    assert "does not exist" in result.stderr and "Traceback" not in result.stderr


def test_a_missing_store_exits_2_and_creates_nothing(config, tmp_path):
    result = run_export("--config", str(config), "--out", str(tmp_path / "x.json"))
    assert result.returncode == 2
    assert "no store at" in result.stderr
    assert not (tmp_path / "var").exists() and not (tmp_path / "x.json").exists()


def test_unknown_format_and_missing_out_exit_2(config, tmp_path):
    assert run_export("--config", str(config), "--format", "ods", "--out", str(tmp_path / "x.ods")).returncode == 2
    assert run_export("--config", str(config), "--format", "csv").returncode == 2
    result = run_export("--config", str(config), "--out", str(tmp_path / "x.txt"))
    assert result.returncode == 2 and "--format" in result.stderr


@pytest.fixture
def filled_store(config, shipped):
    """The config's store with a vote, a suspect vote and an idea with umlauts, emoji and a formula."""
    from kiosk.core.records import Flag, Kind, RecordDraft
    from kiosk.store import Store

    poll = shipped.exhibit("stadtlabor").poll("zufriedenheit")
    with Store.open(config.parent / "var" / "kiosk.sqlite3", "kiosk-01") as store:
        for flags in ((), (Flag.SUSPECT_BURST,)):
            store.append(RecordDraft(kind=Kind.VOTE, session_id="s-1", content_version=shipped.version,
                                     payload={"answers": ["4"], "layer": "de"}, exhibit_id="stadtlabor",
                                     poll_id=poll.id, question_version=poll.question_version, flags=flags))
        store.append(RecordDraft(kind=Kind.IDEA, session_id="s-1", content_version=shipped.version,
                                 payload={"text": "=1+1 Grüße aus Soest 😀🌳", "layer": "de"}, exhibit_id="stadtlabor"))
    return config.parent / "var" / "kiosk.sqlite3"


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_export_exits_0_and_writes_a_verified_file(fmt, config, filled_store, tmp_path):
    from kiosk.export import verify_export

    out = tmp_path / "usb" / f"ergebnisse.{fmt}"
    out.parent.mkdir()
    result = run_export("--config", str(config), "--format", fmt, "--out", str(out), "--include-free-text")
    assert result.returncode == 0, result.stderr
    assert f"wrote 3 records and 22 poll summaries to {out}" in result.stdout
    assert verify_export(out, fmt, 3).ok
    names = sorted(p.name for p in out.parent.iterdir())
    assert names == (["ergebnisse-summary.csv", "ergebnisse.csv"] if fmt == "csv" else [out.name])
    if fmt != "xlsx":
        text = out.read_text(encoding="utf-8-sig")
        assert "Grüße aus Soest 😀🌳" in text
        assert ("'=1+1" in text) == (fmt == "csv")


def test_store_option_overrides_the_config(config, filled_store, tmp_path):
    moved = tmp_path / "copy.sqlite3"
    filled_store.rename(moved)
    result = run_export("--config", str(config), "--store", str(moved), "--out", str(tmp_path / "e.json"),
                        "--poll", "stadtlabor/zufriedenheit", "--since", "2020-01-01")
    assert result.returncode == 0, result.stderr
    assert "wrote 2 records and 1 poll summary" in result.stdout


def test_cli_formats_match_the_exporters():
    from kiosk.export import cli, run

    assert cli.FORMATS == run.FORMATS
