"""A poll: large answer targets, a clear confirm, a thank-you after the commit, honest results."""

from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty

from kiosk.core.numbers import percent, whole
from kiosk.core.terms import PollType
from kiosk.core.records import Record
from kiosk.core.ui_text import text
from kiosk.core.visit import VoteBlock

from . import KioskScreen
from ..widgets import load_kv
from ..widgets import answers, common, phone_handoff, top_bar  # noqa: F401  (classes used in the kv)
from ..widgets.answers import BigAnswer, ChoiceButton, ResultBar
from ..widgets.reuse import Spares

BLOCK_TEXT = {VoteBlock.ALREADY_VOTED: "already_voted", VoteBlock.COOLDOWN: "cooldown", VoteBlock.CLOSED: "closed"}


class PollScreen(KioskScreen):
    exhibit = ObjectProperty(None, allownone=True)
    poll = ObjectProperty(None, allownone=True)
    state = StringProperty("asking")   # asking | saving | thanks | blocked | failed
    message = StringProperty("")
    can_confirm = BooleanProperty(False)
    voters = NumericProperty(0)
    voters_text = StringProperty("")    # "12 Stimmen", singular and number format per layer
    results_note = StringProperty("")   # what the percentages are a share of

    def on_kv_post(self, base_widget):
        self.spares = Spares()
        self.services.bind_layer(self.refresh)

    def _tappable(self, widget) -> None:
        widget.bind(on_release=self.tap)

    def show(self, exhibit_id: str, poll_id: str):
        services = self.services
        self.exhibit = services.content.exhibit(exhibit_id)
        self.poll = self.exhibit.poll(poll_id)
        self.selected: list[str] = []
        # Everything a poll before this one in the visit may have left: nothing chosen yet.
        self.can_confirm = False
        self.voters = 0
        self.shown_mono = services.visits.now()
        check = services.visits.check_vote(self.exhibit, self.poll)
        self.state = "asking" if check.allowed else "blocked"
        self.message = "" if check.allowed else self._block_text(check)
        self.refresh()

    def _block_text(self, check) -> str:
        layer = self.services.layer
        return text(BLOCK_TEXT[check.block], layer, n=int(check.wait_s + 0.999))

    # --- what is shown ----------------------------------------------------------------------

    def refresh(self):
        if self.poll is None:
            return
        layer = self.services.layer
        poll = self.poll
        self.ids.question.text = poll.question.get(layer)
        if poll.type is PollType.MULTI:
            self.ids.hint.text = text("pick_up_to", layer, n=poll.max_choices)
        elif poll.type is PollType.SCALE:
            self.ids.hint.text = text("pick_scale", layer)
        else:
            self.ids.hint.text = text("pick_one", layer)
        self._build_answers(layer)
        if self.state == "thanks":
            self._show_thanks(layer)
        elif self.state == "asking":
            self.message = ""

    def _build_answers(self, layer: str):
        poll = self.poll
        box = self.ids.answers
        self.spares.put_back(box)
        take = self.spares.take
        if poll.type in (PollType.SINGLE, PollType.MULTI):
            box.cols = 2 if len(poll.options) > 3 else 1
            for option in poll.options:
                box.add_widget(take(ChoiceButton, self._tappable, answer=option.id, text=option.label.get(layer),
                                    square=poll.type is PollType.MULTI, selected=option.id in self.selected))
            return
        box.cols = len(poll.answer_ids())
        words = {answer: {"mood": 0, "text": "", "caption": "", **self._big_answer_words(answer, layer)}
                 for answer in poll.answer_ids()}
        caption_room = any(w["caption"] for w in words.values())
        for answer, answer_words in words.items():
            box.add_widget(take(BigAnswer, self._tappable, answer=answer, selected=answer in self.selected,
                                caption_room=caption_room, **answer_words))

    def _big_answer_words(self, answer: str, layer: str) -> dict:
        poll = self.poll
        if poll.type is PollType.SMILEY:
            return {"mood": int(answer), "caption": text(f"smiley_{answer}", layer)}
        if poll.type is PollType.YESNO:
            return {"text": text(answer, layer)}
        caption = ""
        if poll.scale_labels is not None and answer in ("1", "5"):
            caption = (poll.scale_labels.low if answer == "1" else poll.scale_labels.high).get(layer)
        return {"text": answer, "caption": caption}

    # --- taps -----------------------------------------------------------------------------

    def tap(self, button):
        if self.state != "asking":
            return
        answer = button.answer
        if self.poll.type is PollType.MULTI:
            if answer in self.selected:
                self.selected.remove(answer)
            elif len(self.selected) < self.poll.max_choices:
                self.selected.append(answer)
        else:
            self.selected = [answer]
        for child in self.ids.answers.children:
            child.selected = child.answer in self.selected
        self.can_confirm = bool(self.selected)

    def confirm(self):
        if self.state != "asking" or not self.selected:
            return
        services = self.services
        check = services.visits.check_vote(self.exhibit, self.poll)
        if not check.allowed:
            self.state, self.message = "blocked", self._block_text(check)
            return
        draft = services.visits.vote(self.exhibit, self.poll, list(self.selected), self.shown_mono)
        self.state = "saving"
        self.message = text("saving", services.layer)
        services.record(draft, self._saved)

    def _saved(self, result):
        services = self.services
        if isinstance(result, Record):
            self.state = "thanks"
            self._show_thanks(services.layer)
        else:
            services.visits.forget_vote(self.exhibit, self.poll)
            self.state = "failed"
            self.message = text("not_possible", services.layer)

    def _show_thanks(self, layer: str):
        """The thanks, the way on to the phone (the exhibit's page with the visit's hand-off)
        and the results where the poll shows them."""
        self.message = text("thanks_vote", layer)
        self.ids.handoff.show_visit(self.services, self.exhibit.id)
        self._show_results(layer)

    def _show_results(self, layer: str):
        box = self.ids.results
        self.spares.put_back(box)
        if not self.poll.show_results:
            self.voters = 0
            return
        counts = self.services.poll_counts(self.exhibit.id, self.poll.id, self.poll.question_version)
        per_answer, voters = counts["answers"], counts["voters"]
        multi = self.poll.type is PollType.MULTI
        # A share of the people who voted, for every type: where each voter gives one answer
        # it equals the share of answers; with several answers each, "33 %" of the answers
        # would read as "a third of the people" when in fact everyone chose it.
        total = voters if multi else sum(per_answer.values())
        self.voters = voters
        self.voters_text = text("voters_multi" if multi else "voters", layer, n=int(voters))
        self.results_note = text("results_share_of_voters" if multi else "results_honest", layer)
        if multi:
            self.results_note += "\n" + text("results_honest", layer)
        for answer in self.poll.answer_ids():
            count = per_answer.get(answer, 0)
            share = min(1.0, count / total) if total else 0.0
            box.add_widget(self.spares.take(ResultBar, text=self._answer_words(answer, layer), count=count,
                                            share=share, figure=f"{whole(count, layer)}  ({percent(share, layer)})"))

    def _answer_words(self, answer: str, layer: str) -> str:
        poll = self.poll
        if poll.type in (PollType.SINGLE, PollType.MULTI):
            return next(o.label.get(layer) for o in poll.options if o.id == answer)
        if poll.type is PollType.SMILEY:
            return text(f"smiley_{answer}", layer)
        if poll.type is PollType.YESNO:
            return text(answer, layer)
        return answer

    def unsent(self) -> str | None:
        """What "Fertig" would throw away: an answer chosen but not yet voted."""
        if self.state == "asking" and self.selected:
            return "unsent_vote"
        return None

    def reset(self):
        self.selected = []
        self.state = "asking"
        self.can_confirm = False
        self.message = ""
        self.voters = 0
        self.ids.handoff.clear()


load_kv(__file__)
