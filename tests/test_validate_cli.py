"""`kiosk validate`: output format, exit codes, JSON."""

import json
import re

from conftest import PROJECT, run_kiosk


def test_shipped_content_validates_with_exit_0():
    result = run_kiosk("validate")
    assert result.returncode == 0, result.stdout + result.stderr
    last = result.stdout.strip().splitlines()[-1]
    valid, invalid = last.split(", ")
    assert valid.endswith(" valid") and int(valid.split()[0]) >= 14
    assert invalid == "0 invalid"


def test_one_broken_exhibit_gives_exit_1_and_keeps_the_others(content_copy):
    toml = content_copy / "exhibits" / "stadtlabor" / "exhibit.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("[title]", "[titel]"), encoding="utf-8")
    result = run_kiosk("validate", "--content", str(content_copy))
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert "exhibits/stadtlabor/exhibit.toml:" in result.stdout
    assert "unknown key 'titel'; did you mean 'title'?" in result.stdout
    assert result.stdout.strip().splitlines()[-1].endswith(", 1 invalid")


def test_json_report_lists_valid_and_invalid(content_copy):
    (content_copy / "exhibits" / "stadtlabor" / "de.md").unlink()
    result = run_kiosk("validate", "--content", str(content_copy), "--json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["exhibits"]["invalid"] == ["stadtlabor"]
    assert len(report["exhibits"]["valid"]) >= 9
    assert report["invalid"] == 1
    problem = next(p for p in report["problems"] if p["severity"] == "error")
    assert problem["path"] == "exhibits/stadtlabor/de.md" and problem["field"] == "body.de"


def test_missing_english_layer_is_a_warning_not_an_error(content_copy):
    (content_copy / "exhibits" / "stadtlabor" / "en.md").unlink()
    result = run_kiosk("validate", "--content", str(content_copy))
    assert result.returncode == 0
    assert "exhibits/stadtlabor/en.md: body.en: warning: en.md missing" in result.stdout


def test_usage_errors_exit_2(tmp_path):
    assert run_kiosk("validate", "--content", str(tmp_path / "nowhere")).returncode == 2
    assert run_kiosk("validate", "--no-such-flag").returncode == 2
    result = run_kiosk("validate", "--config", str(tmp_path / "missing.toml"))
    assert result.returncode == 2
    assert "config file not found" in result.stderr


def test_every_command_has_help():
    result = run_kiosk("--help")
    assert result.returncode == 0 and "validate" in result.stdout
    assert run_kiosk("validate", "--help").returncode == 0


def test_hostile_files_all_at_once_still_end_with_the_summary(content_copy):
    import os

    os.mkfifo(content_copy / "exhibits" / "stadtlabor" / "ls.md.tmp")  # an unexpected FIFO: listed, never opened
    (content_copy / "exhibits" / "stadtlabor" / "de.md").unlink()
    os.mkfifo(content_copy / "exhibits" / "stadtlabor" / "de.md")
    (content_copy / "themes.toml").write_text("x = " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    (content_copy / "events.toml").unlink()
    (content_copy / "events.toml").symlink_to("/dev/zero")
    result = run_kiosk("validate", "--content", str(content_copy), timeout=60)
    assert "Traceback" not in result.stdout + result.stderr
    assert result.returncode == 1
    assert "exhibits/stadtlabor/de.md: -: de.md is a named pipe (FIFO)" in result.stdout
    assert "themes.toml:1: -: lists or tables are nested too deeply" in result.stdout
    assert "events.toml: -: events.toml is a symbolic link leading outside the content folder" in result.stdout
    valid, invalid = result.stdout.strip().splitlines()[-1].split(", ")
    assert int(valid.split()[0]) >= 9 and invalid == "3 invalid"


def test_the_placeholder_phone_address_is_a_warning_that_changes_neither_exit_code_nor_last_line(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(f'[content]\nroot = "{PROJECT}"\n', encoding="utf-8")  # public_url as shipped
    result = run_kiosk("validate", "--config", str(config))
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.strip().splitlines()
    assert re.fullmatch(r"\d+ valid, 0 invalid", lines[-1])
    assert f"{config}: [phone] public_url: warning: still the placeholder https://stadtlabor.example.org; the QR " \
           "codes lead nowhere. Set [phone] public_url" in result.stdout
    assert "1 warning;" in lines[-2]
    report = json.loads(run_kiosk("validate", "--config", str(config), "--json").stdout)
    assert report["config_warnings"] and "public_url" in report["config_warnings"][0]


def test_a_real_phone_address_gives_no_warning(tmp_path, content_copy):
    config = tmp_path / "config.toml"
    config.write_text(f'[content]\nroot = "{content_copy}"\n[phone]\npublic_url = "https://stadtlabor.soest.de"\n',
                      encoding="utf-8")
    result = run_kiosk("validate", "--config", str(config))
    assert result.returncode == 0
    assert "public_url" not in result.stdout
    # --content with a broken exhibit: exit 1 and the summary last, the warning beside them.
    toml = content_copy / "exhibits" / "stadtlabor" / "exhibit.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("[title]", "[titel]"), encoding="utf-8")
    placeholder = tmp_path / "placeholder.toml"
    placeholder.write_text("", encoding="utf-8")
    result = run_kiosk("validate", "--config", str(placeholder), "--content", str(content_copy))
    assert result.returncode == 1
    assert "[phone] public_url: warning" in result.stdout
    assert result.stdout.strip().splitlines()[-1].endswith(", 1 invalid")
