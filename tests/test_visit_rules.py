"""Participation rules without a screen: one vote per poll per session, cooldown, bursts, privacy."""

import datetime as dt

import pytest

from kiosk.core.content_loader import load_content
from kiosk.core.content_model import PollType
from kiosk.core.privacy import looks_like_contact_data
from kiosk.core.records import Flag, Kind
from kiosk.core.visit import InvalidAnswer, VoteBlock, VoteBlocked, Visits, poll_is_open, validate_answers


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture(scope="module")
def content(project_root_module):
    return load_content(project_root_module)


@pytest.fixture(scope="module")
def project_root_module():
    from conftest import PROJECT
    return PROJECT


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def visits(content, clock):
    return Visits(content.version, clock=clock)


def first_poll(content, kind):
    for exhibit in content.exhibits:
        for poll in exhibit.polls:
            if poll.type is kind:
                return exhibit, poll
    raise AssertionError(kind)


def test_one_vote_per_poll_per_session(visits, content, clock):
    exhibit, poll = first_poll(content, PollType.SINGLE)
    visits.start("de")
    shown = clock.now
    clock.now += 5
    draft = visits.vote(exhibit, poll, [poll.options[0].id], shown)
    assert draft.kind is Kind.VOTE and draft.flags == () and draft.question_version == poll.question_version
    assert visits.check_vote(exhibit, poll).block is VoteBlock.ALREADY_VOTED
    with pytest.raises(VoteBlocked):
        visits.vote(exhibit, poll, [poll.options[1].id], shown)


def test_cooldown_spans_sessions_then_lifts(visits, content, clock):
    exhibit, poll = first_poll(content, PollType.YESNO)
    visits.start("de")
    clock.now += 3
    visits.vote(exhibit, poll, ["yes"], clock.now - 3)
    visits.end("done")
    visits.start("en")
    check = visits.check_vote(exhibit, poll)
    assert check.block is VoteBlock.COOLDOWN and 19 < check.wait_s <= 20
    clock.now += 20.1
    assert visits.check_vote(exhibit, poll).allowed


def test_quick_votes_are_flagged_not_dropped(visits, content, clock):
    exhibit, poll = first_poll(content, PollType.SMILEY)
    visits.start("de")
    draft = visits.vote(exhibit, poll, ["4"], shown_mono=clock.now - 0.3)
    assert draft.flags == (Flag.SUSPECT_BURST,)


def test_tapper_at_ten_taps_a_second_for_a_minute(visits, content, clock):
    """A scripted tapper: taps the poll's answer and confirm, and 'Fertig', ten times a second."""
    exhibit, poll = first_poll(content, PollType.YESNO)
    votes, sessions = [], 0
    visits.start("de")
    shown = clock.now
    for tap in range(600):
        clock.now += 0.1
        if visits.check_vote(exhibit, poll).allowed:
            votes.append((clock.now, visits.vote(exhibit, poll, ["yes"], shown)))
        if tap % 10 == 9:  # every second the tapper also hits "Fertig": a new session
            visits.end("done")
            visits.start("de")
            sessions += 1
            shown = clock.now
    times = [t for t, _ in votes]
    assert all(b - a >= 20 for a, b in zip(times, times[1:]))  # cooldown held
    assert len(votes) <= 4 and sessions == 60
    per_session = {}
    for _, draft in votes:
        per_session[draft.session_id] = per_session.get(draft.session_id, 0) + 1
    assert max(per_session.values()) == 1
    assert all(Flag.SUSPECT_BURST in draft.flags for _, draft in votes)  # answered within a second


def test_answers_are_validated_per_type(content):
    exhibit, multi = first_poll(content, PollType.MULTI)
    ids = [o.id for o in multi.options]
    assert validate_answers(multi, ids[: multi.max_choices]) == ids[: multi.max_choices]
    with pytest.raises(InvalidAnswer):
        validate_answers(multi, ids[: multi.max_choices + 1])
    _, scale = first_poll(content, PollType.SCALE)
    assert validate_answers(scale, ["5"]) == ["5"]
    with pytest.raises(InvalidAnswer):
        validate_answers(scale, ["6"])
    with pytest.raises(InvalidAnswer):
        validate_answers(scale, [])


def test_views_and_sessions_record_dwell_and_how_they_ended(visits, clock):
    visits.start("ls")
    assert visits.enter_exhibit("open-data") is None
    clock.now += 42
    view = visits.enter_exhibit("stadtlabor")
    assert view.kind is Kind.VIEW and view.payload == {"dwell_s": 42.0, "layer": "ls"}
    clock.now += 8
    view, session = visits.end("idle")
    assert view.exhibit_id == "stadtlabor" and view.payload["dwell_s"] == 8.0
    assert session.kind is Kind.SESSION and session.payload["ended_by"] == "idle"
    assert session.payload["duration_s"] == 50.0 and visits.session is None


def test_sessions_are_random_and_carry_nothing_else(visits):
    ids = set()
    for _ in range(50):
        ids.add(visits.start("de").id)
        visits.end("done")
    assert len(ids) == 50 and all(len(i) == 32 for i in ids)


@pytest.mark.parametrize("text, flagged", [
    ("Mehr Bänke und Bäume bitte 🌳", False),
    ("Ruft mich an: 02921 / 12 34 56", True),
    ("+49 171 2345678", True),
    ("schreib an max.muster@example.org", True),
    ("Im Jahr 2030 mit 5 Bänken", False),
])
def test_contact_data_is_flagged(visits, content, text, flagged):
    visits.start("de")
    exhibit = content.exhibit("friedhof-der-zukunft")
    draft = visits.idea(exhibit, text)
    assert (Flag.CONTACT_DATA in draft.flags) is flagged
    assert looks_like_contact_data(text) is flagged
    assert draft.payload["text"] == text


def test_idea_length_limit_and_feedback_rating(visits, content):
    visits.start("de")
    exhibit = content.exhibit("stadtlabor")
    with pytest.raises(InvalidAnswer):
        visits.idea(exhibit, "x" * 601)
    with pytest.raises(InvalidAnswer):
        visits.feedback(exhibit, 7)
    assert visits.feedback(exhibit, 5, "  Toll!  ").payload == {"rating": 5, "comment": "Toll!", "layer": "de"}


def test_poll_open_window_in_berlin_time(content):
    from zoneinfo import ZoneInfo

    berlin = ZoneInfo("Europe/Berlin")
    _, poll = next((e, p) for e in content.exhibits for p in e.polls if p.open_until and p.open_from)
    first, last = poll.open_from, poll.open_until
    at = lambda day, h, m: dt.datetime(day.year, day.month, day.day, h, m, tzinfo=berlin)  # noqa: E731
    assert poll_is_open(poll, at(last, 23, 59))
    assert not poll_is_open(poll, at(last + dt.timedelta(days=1), 0, 1))
    assert poll_is_open(poll, at(first, 0, 0))
    assert not poll_is_open(poll, at(first - dt.timedelta(days=1), 23, 59))
