"""The content shipped with the kiosk is complete and valid."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from kiosk.core.content_loader import load_content
from kiosk.core.content_model import LAYERS, PollType

# The sample programme was written in November 2026; "upcoming" is judged from then so that
# this test does not start failing as the calendar moves on.
WRITTEN = dt.datetime(2026, 11, 26, tzinfo=ZoneInfo("Europe/Berlin"))


@pytest.fixture(scope="module")
def shipped():
    from conftest import PROJECT
    return load_content(PROJECT)


def test_shipped_content_has_no_invalid_item_and_no_warning(shipped):
    assert shipped.invalid_count == 0, "\n".join(map(str, shipped.errors()))
    assert shipped.warnings() == [], "\n".join(map(str, shipped.warnings()))


def test_at_least_ten_exhibits_each_complete_in_three_layers(shipped):
    assert len(shipped.exhibits) >= 10
    for exhibit in shipped.exhibits:
        for layer in LAYERS:
            assert exhibit.title.has(layer) and exhibit.summary.has(layer) and exhibit.body.has(layer), exhibit.id
        assert exhibit.media, exhibit.id
        assert exhibit.polls, exhibit.id
        assert exhibit.feedback, exhibit.id
        for media in exhibit.media:
            assert media.credit and media.licence
            assert shipped.media_path(media.path).is_file()


def test_required_exhibits_and_idea_prompts(shipped):
    ids = {e.id for e in shipped.exhibits}
    assert {"stadtlabor", "digitale-modellregion", "friedhof-der-zukunft", "programmwerkstatt"} <= ids
    with_idea = [e.id for e in shipped.exhibits if e.idea]
    assert len(with_idea) >= 3
    assert "friedhof-der-zukunft" in with_idea


def test_every_poll_type_is_used(shipped):
    used = {p.type for e in shipped.exhibits for p in e.polls}
    assert used == set(PollType)


def test_sample_content_says_it_is_sample(shipped):
    markers = ("beispiel", "sample")
    for exhibit in shipped.exhibits:
        for layer in LAYERS:
            assert any(m in exhibit.body.get(layer).lower() for m in markers), (exhibit.id, layer)


def test_at_least_four_upcoming_events_in_berlin_time(shipped):
    upcoming = shipped.upcoming_events(WRITTEN)
    assert len(upcoming) >= 4
    for event in upcoming:
        assert event.start.tzinfo is not None and event.end > event.start
        assert event.start.utcoffset() in (dt.timedelta(hours=1), dt.timedelta(hours=2))
    assert [e.start for e in shipped.events] == sorted(e.start for e in shipped.events)


def test_themes_cover_every_exhibit(shipped):
    theme_ids = {t.id for t in shipped.themes}
    assert {e.theme for e in shipped.exhibits} <= theme_ids


def test_content_version_is_stable_and_follows_visible_changes(content_copy):
    first = load_content(content_copy).version
    assert load_content(content_copy).version == first
    de = content_copy / "exhibits" / "stadtlabor" / "de.md"
    de.write_text(de.read_text(encoding="utf-8") + "\nNoch ein Satz.\n", encoding="utf-8")
    second = load_content(content_copy).version
    assert second != first
    image = next((content_copy / "media" / "stadtlabor").iterdir())
    image.write_bytes(image.read_bytes() + b"\0")
    assert load_content(content_copy).version != second


def test_content_version_ignores_comments(content_copy):
    first = load_content(content_copy).version
    toml = content_copy / "exhibits" / "stadtlabor" / "exhibit.toml"
    toml.write_text("# a comment only staff see\n" + toml.read_text(encoding="utf-8"), encoding="utf-8")
    assert load_content(content_copy).version == first


def test_question_version_changes_with_the_question_only(shipped):
    poll = shipped.exhibits[0].polls[0]
    assert poll.question_version == poll.model_copy().question_version
    changed = poll.model_copy(update={"question": poll.question.model_copy(update={"de": "Andere Frage?"})})
    assert changed.question_version != poll.question_version
    results_hidden = poll.model_copy(update={"show_results": not poll.show_results})
    assert results_hidden.question_version == poll.question_version


def test_loading_raises_no_warning(project_root):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_content(project_root)
