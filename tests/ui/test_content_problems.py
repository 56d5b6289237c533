"""Broken content never crashes the kiosk: visitors see the valid exhibits or a calm notice,
staff see the problems."""

import shutil

import pytest

from kiosk.core.config import ContentSection
from kiosk.core.content_loader import load_content

pytestmark = pytest.mark.ui


@pytest.fixture
def swap_content(fresh):
    app = fresh.app
    original = app.content
    yield lambda content: setattr(app, "content", content)
    app.content = original
    app.end_visit("test")


def test_no_valid_exhibit_shows_the_preparing_notice_and_staff_the_problems(fresh, swap_content, tmp_path):
    root = tmp_path / "content"
    (root / "exhibits" / "kaputt").mkdir(parents=True)
    (root / "exhibits" / "kaputt" / "exhibit.toml").write_text('id = "kaputt"\ntitle = [\n', encoding="utf-8")
    swap_content(load_content(root))
    fresh.app.end_visit("test")
    fresh.settle()
    assert fresh.app.root.current == "preparing"
    assert "Die Ausstellung wird vorbereitet" in fresh.screen_text()
    fresh.tap(pos=(960, 540))
    assert fresh.app.root.current == "preparing"  # nothing to start; no crash either
    fresh.app.go("staff")
    fresh.settle()
    text = fresh.screen_text()
    assert "exhibits/kaputt/exhibit.toml" in text and "TOML syntax error" in text


def test_one_broken_exhibit_leaves_the_others_on_the_home_screen(fresh, swap_content, content_copy):
    from kiosk.ui.screens.home import ExhibitTile

    toml = content_copy / "exhibits" / "open-data" / "exhibit.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('status = "planned"', 'status = "fertig"'),
                    encoding="utf-8")
    broken = load_content(content_copy)
    assert broken.invalid_exhibits == ["open-data"]
    swap_content(broken)
    fresh.app.start_visit()
    fresh.settle()
    ids = {w.exhibit.id for w in fresh.walk() if isinstance(w, ExhibitTile)}
    assert "open-data" not in ids and len(ids) == len(broken.exhibits) >= 10


def test_staff_reload_picks_up_fixed_content(fresh, swap_content, content_copy, monkeypatch):
    app = fresh.app
    shutil.rmtree(content_copy / "exhibits" / "maengelmelder")
    config = app.kiosk_config
    moved = config.replace(content=ContentSection(root=content_copy))
    monkeypatch.setattr(app, "kiosk_config", moved)
    app.go("staff")
    fresh.settle()
    before = app.content
    fresh.tap(fresh.find(text="Inhalte neu laden"))
    fresh.wait(lambda: app.content is not before, what="the reloaded content")
    assert app.content.exhibit("maengelmelder") is None
    assert len(app.content.exhibits) == 10
