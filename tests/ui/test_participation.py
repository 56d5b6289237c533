"""Polls, feedback and ideas tapped through the real screens into the real store."""

import pytest

from kiosk.core.content_model import PollType
from kiosk.core.records import Flag, Kind
from kiosk.ui.screens.exhibit import ActionRow
from kiosk.ui.widgets.answers import BigAnswer, ChoiceButton

pytestmark = pytest.mark.ui


def store(kiosk):
    kiosk.wait(lambda: kiosk.app.recorder is not None and kiosk.app.recorder.available, what="the store")
    return kiosk.app.recorder.store


def records(kiosk, kind):
    return [r for r in store(kiosk).iter_records(kinds=[kind])]


def open_poll_by_type(kiosk, poll_type):
    app = kiosk.app
    exhibit, poll = next((e, p) for e in app.content.exhibits for p in e.polls if p.type is poll_type)
    app.start_visit()
    app.open_exhibit(exhibit.id)
    kiosk.settle()
    row = next(w for w in kiosk.walk() if isinstance(w, ActionRow) and w.title == poll.question.de)
    kiosk.tap(row)
    assert app.root.current == "poll"
    return exhibit, poll


def take_part(kiosk, exhibit_id: str, kind: str) -> None:
    """A new visit, the exhibit opened, and a tap on its way to take part named `kind`."""
    kiosk.app.start_visit()
    kiosk.app.open_exhibit(exhibit_id)
    kiosk.settle()
    kiosk.tap(next(w for w in kiosk.walk() if isinstance(w, ActionRow) and w.kind == kind))


def answer_widgets(kiosk):
    screen = kiosk.app.root.get_screen("poll")
    return [w for w in screen.ids.answers.children[::-1] if isinstance(w, (ChoiceButton, BigAnswer))]


@pytest.mark.parametrize("poll_type", list(PollType), ids=[t.value for t in PollType])
def test_each_poll_type_votes_thanks_and_shows_honest_results(fresh, poll_type):
    app = fresh.app
    exhibit, poll = open_poll_by_type(fresh, poll_type)
    before = store(fresh).poll_counts(exhibit.id, poll.id, poll.question_version)["voters"]
    targets = answer_widgets(fresh)
    assert len(targets) == len(poll.answer_ids())
    for target in targets[: (poll.max_choices if poll_type is PollType.MULTI else 1)]:
        fresh.tap(target)
    fresh.screenshot(f"poll-{poll_type.value}-chosen")
    fresh.tap(fresh.find(text="Abstimmen"))
    screen = app.root.get_screen("poll")
    fresh.wait(lambda: screen.state == "thanks", what="the thank-you after the commit")
    fresh.settle()
    text = fresh.screen_text()
    assert "Danke für Ihre Stimme!" in text
    after = store(fresh).poll_counts(exhibit.id, poll.id, poll.question_version)["voters"]
    assert after == before + 1
    if poll.show_results:
        assert "Stimmen hier vor Ort, nicht repräsentativ" in text
        if poll_type is PollType.MULTI:  # people, not answers: each may give several
            assert "Anteil der Abstimmenden, Mehrfachauswahl möglich" in text
            assert (f"{after} Abstimmende" if after != 1 else "1 abstimmende Person") in text
        else:
            assert (f"{after} Stimmen" if after != 1 else "1 Stimme") in text
    shot = fresh.screenshot(f"poll-{poll_type.value}-thanks")
    assert_result_words_unobscured(fresh, shot)


def assert_result_words_unobscured(kiosk, shot):
    """Each result bar's answer words are readable: no bar fill drawn over them (a reused bar once
    left its previous fill there)."""
    from kivy.core.window import Window
    from PIL import Image

    from kiosk.ui.widgets.answers import ResultBar

    image = Image.open(shot).convert("RGB")
    accent = tuple(round(c * 255) for c in kiosk.app.colors.accent[:3])
    for bar in (w for w in kiosk.walk() if isinstance(w, ResultBar) and kiosk.visible(w)):
        words = bar.ids.words
        x, y = words.to_window(*words.pos)
        top = Window.height - (y + words.height)
        box = image.crop((int(x), int(top), int(x + words.width), int(top + words.height)))
        pixels = list(box.getdata())
        near = sum(1 for p in pixels if all(abs(a - b) < 24 for a, b in zip(p, accent)))
        assert near < 0.05 * len(pixels), f"bar fill over the words {bar.text!r}: {near} of {len(pixels)} pixels"


def test_the_same_session_cannot_vote_twice(fresh):
    app = fresh.app
    exhibit, poll = open_poll_by_type(fresh, PollType.SINGLE)
    fresh.tap(answer_widgets(fresh)[0])
    fresh.tap(fresh.find(text="Abstimmen"))
    screen = app.root.get_screen("poll")
    fresh.wait(lambda: screen.state == "thanks", what="the vote")
    app.open_poll(exhibit.id, poll.id)
    fresh.settle()
    assert screen.state == "blocked"
    assert "Sie haben bei dieser Umfrage schon abgestimmt" in fresh.screen_text()


def test_feedback_with_a_typed_comment(fresh):
    app = fresh.app
    take_part(fresh, "stadtlabor", "Bewerten")
    assert app.root.current == "feedback"
    fresh.tap(next(w for w in fresh.walk() if isinstance(w, BigAnswer) and w.answer == "4"))
    fresh.tap(fresh.find(text="Möchten Sie noch etwas dazu schreiben? (freiwillig)"))
    fresh.type_keys(["G", "r", "o", "ß", "a", "r", "t", "i", "g"])
    fresh.screenshot("feedback-writing")
    fresh.tap(fresh.find(text="Absenden"))
    screen = app.root.get_screen("feedback")
    fresh.wait(lambda: screen.state == "thanks", what="the feedback commit")
    saved = records(fresh, Kind.FEEDBACK)[-1]
    assert saved.payload["rating"] == 4 and saved.payload["comment"] == "Großartig"


def test_idea_with_umlauts_and_a_phone_number_is_flagged(fresh):
    app = fresh.app
    take_part(fresh, "friedhof-der-zukunft", "Idee einbringen")
    assert app.root.current == "idea"
    assert "Bitte keine Namen, Adressen oder Telefonnummern." in fresh.screen_text()
    fresh.type_keys(list("Bänke") + ["Leerzeichen"] + list("0292112345"))
    fresh.screenshot("idea-writing")
    fresh.tap(fresh.find(text="Absenden"))
    screen = app.root.get_screen("idea")
    fresh.wait(lambda: screen.state == "thanks", what="the idea commit")
    saved = records(fresh, Kind.IDEA)[-1]
    assert saved.payload["text"] == "Bänke 0292112345"
    assert Flag.CONTACT_DATA in saved.flags


def test_half_written_idea_is_discarded_when_the_visit_ends(fresh):
    app = fresh.app
    app.start_visit()
    app.go("idea", exhibit_id="friedhof-der-zukunft")
    fresh.settle()
    fresh.type_keys("Geheim")
    count = len(records(fresh, Kind.IDEA))
    fresh.tap(fresh.find(text="Fertig"))
    assert app.root.current == "idea"  # asked first: "Ihre Idee ist noch nicht gesendet."
    fresh.tap(fresh.find(text="Verwerfen und beenden"))
    assert app.root.current == "attract"
    assert app.root.get_screen("idea").ids.entry.ids.field.text == ""
    fresh.frames(5)
    assert len(records(fresh, Kind.IDEA)) == count
    fresh.wait(lambda: records(fresh, Kind.SESSION) and records(fresh, Kind.SESSION)[-1].payload["ended_by"] == "done",
               what="the session record")


def test_views_record_dwell_time(fresh):
    app = fresh.app
    app.start_visit()
    app.open_exhibit("open-data")
    fresh.settle()
    count = len(records(fresh, Kind.VIEW))
    app.go("home")
    fresh.wait(lambda: len(records(fresh, Kind.VIEW)) == count + 1, what="the view record")
    view = records(fresh, Kind.VIEW)[-1]
    assert view.exhibit_id == "open-data" and view.payload["dwell_s"] >= 0


def test_scripted_tapper_ten_taps_a_second_for_a_minute(fresh):
    """Taps on one poll at 10 taps/s for 60 s (simulated time), with "Fertig" every second:
    at most one vote per session, the cooldown holds, and the fast votes are flagged."""
    from kivy.tests.common import UnitTestTouch

    from kiosk.core.visit import MIN_ANSWER_S, MIN_GAP_BETWEEN_VOTES_S, Visits

    class Clock:
        now = 10_000.0

        def __call__(self):
            return self.now

    app = fresh.app
    clock = Clock()
    app.visits = Visits(app.content.version, vote_cooldown_s=20, clock=clock)
    assert app.visits.min_answer_s == MIN_ANSWER_S and app.visits.min_gap_between_votes_s == MIN_GAP_BETWEEN_VOTES_S
    exhibit, poll = next((e, p) for e in app.content.exhibits for p in e.polls if p.type is PollType.YESNO)
    before = {r.id for r in records(fresh, Kind.VOTE)}
    screen = app.screen("poll")

    def tap(widget):
        touch = UnitTestTouch(*widget.to_window(*widget.center))
        touch.touch_down()
        touch.touch_up()
        fresh.frames(1)

    app.start_visit()
    app.open_poll(exhibit.id, poll.id)
    fresh.settle()
    for i in range(600):
        clock.now += 0.1
        if i % 10 == 9:  # "Fertig" and straight back to the poll: a new session each second
            app.end_visit("done")
            app.start_visit()
            app.open_poll(exhibit.id, poll.id)
            fresh.frames(2)
            continue
        if screen.state == "asking":
            tap(answer_widgets(fresh)[i % 2] if i % 2 == 0 else fresh.find(text="Abstimmen"))
    fresh.wait(lambda: screen.state != "saving", what="the last vote")
    votes = [r for r in records(fresh, Kind.VOTE) if r.id not in before]
    sessions = {}
    for vote in votes:
        sessions[vote.session_id] = sessions.get(vote.session_id, 0) + 1
    assert votes and max(sessions.values()) == 1
    assert len(votes) <= 4  # one per 20 s cooldown in 60 s
    assert all(Flag.SUSPECT_BURST in vote.flags for vote in votes)
    counts = store(fresh).poll_counts(exhibit.id, poll.id, poll.question_version)
    flagged = store(fresh).poll_counts(exhibit.id, poll.id, poll.question_version, include_suspect=True)
    assert flagged["voters"] - counts["voters"] >= len(votes)  # kept, but out of the live results
