"""Per-poll summaries: counts, suspect votes apart, one summary per question version, labels."""

from kiosk.core.records import Kind
from kiosk.export import Selection, SummaryBuilder, export_records


def _summary(summaries, exhibit_id, poll_id, question_version=None):
    return next(s for s in summaries if s.exhibit_id == exhibit_id and s.poll_id == poll_id
                and (question_version is None or s.question_version == question_version))


def test_counts_and_percentages_per_answer(vote, shipped):
    builder = SummaryBuilder()
    for seq, answer in enumerate(["vorbei", "vorbei", "presse", "vorbei"], start=1):
        builder.add(vote(seq, "stadtlabor", "wie-gefunden", [answer]))
    s = _summary(builder.summaries(shipped.exhibits), "stadtlabor", "wie-gefunden")
    assert s.voters == 4 and s.suspect_voters == 0 and s.status == "aktuell"
    assert s.question.startswith("Wie sind Sie heute auf das StadtLABOR")
    by_id = {a.answer_id: a for a in s.answers}
    assert [a.answer_id for a in s.answers] == ["vorbei", "presse", "empfehlung", "veranstaltung"]
    assert (by_id["vorbei"].count, by_id["vorbei"].percent) == (3, 75.0)
    assert (by_id["empfehlung"].count, by_id["empfehlung"].percent) == (0, 0.0)
    assert s.counts() == {"answers": {"vorbei": 3, "presse": 1}, "voters": 4}


def test_multi_choice_percent_is_share_of_voters(vote, shipped):
    builder = SummaryBuilder()
    builder.add(vote(1, "programmwerkstatt", "themen", ["klima", "smartphone"]))
    builder.add(vote(2, "programmwerkstatt", "themen", ["klima"]))
    s = _summary(builder.summaries(shipped.exhibits), "programmwerkstatt", "themen")
    by_id = {a.answer_id: a for a in s.answers}
    assert s.voters == 2 and by_id["klima"].percent == 100.0 and by_id["smartphone"].percent == 50.0


def test_suspect_votes_are_counted_apart(vote, shipped):
    builder = SummaryBuilder()
    builder.add(vote(1, "programmwerkstatt", "selbst-anbieten", ["yes"]))
    for seq in range(2, 7):
        builder.add(vote(seq, "programmwerkstatt", "selbst-anbieten", ["no"], suspect=True))
    s = _summary(builder.summaries(shipped.exhibits), "programmwerkstatt", "selbst-anbieten")
    by_id = {a.answer_id: a for a in s.answers}
    assert s.voters == 1 and s.suspect_voters == 5
    assert (by_id["no"].count, by_id["no"].suspect) == (0, 5)
    assert by_id["yes"].percent == 100.0


def test_a_changed_question_keeps_one_summary_per_version(vote, shipped):
    builder = SummaryBuilder()
    builder.add(vote(1, "stadtlabor", "zufriedenheit", ["4"], question_version="0000aaaa0000aaaa"))
    builder.add(vote(2, "stadtlabor", "zufriedenheit", ["3"]))
    builder.add(vote(3, "stadtlabor", "zufriedenheit", ["4"]))
    summaries = [s for s in builder.summaries(shipped.exhibits) if s.poll_id == "zufriedenheit"]
    current = shipped.exhibit("stadtlabor").poll("zufriedenheit").question_version
    assert [(s.question_version, s.status, s.voters) for s in summaries] == [
        (current, "aktuell", 2), ("0000aaaa0000aaaa", "frühere Fassung", 1)]
    # An earlier version lists only the answers it got: its answer list may have differed.
    assert [a.answer_id for a in summaries[1].answers] == ["4"]


def test_fixed_answer_types_have_german_labels(vote, shipped):
    builder = SummaryBuilder()
    builder.add(vote(1, "stadtlabor", "zufriedenheit", ["4"]))
    summaries = builder.summaries(shipped.exhibits)
    smiley = _summary(summaries, "stadtlabor", "zufriedenheit")
    assert [a.label for a in smiley.answers] == ["gar nicht gut", "eher nicht gut", "eher gut", "sehr gut"]
    yesno = _summary(summaries, "programmwerkstatt", "selbst-anbieten")
    assert [a.label for a in yesno.answers] == ["Ja", "Nein"]
    scale = _summary(summaries, "friedhof-der-zukunft", "digitale-angebote")
    assert [a.answer_id for a in scale.answers] == ["1", "2", "3", "4", "5"]
    assert scale.answers[0].label.startswith("1") and scale.type_label == "Skala 1–5"
    single = _summary(summaries, "stadtlabor", "wie-gefunden")
    option = shipped.exhibit("stadtlabor").poll("wie-gefunden").options[0]
    assert single.answers[0].label == option.label.de


def test_every_shipped_poll_has_a_summary_even_without_votes(shipped):
    summaries = SummaryBuilder().summaries(shipped.exhibits)
    polls = [(e.id, p.id) for e in shipped.exhibits for p in e.polls]
    assert [(s.exhibit_id, s.poll_id) for s in summaries] == polls
    assert all(s.voters == 0 and all(a.percent is None for a in s.answers) for s in summaries)


def test_a_poll_gone_from_the_content_still_gets_its_summary(make_record, shipped):
    builder = SummaryBuilder()
    builder.add(make_record(1, Kind.VOTE, {"answers": ["x"]}, exhibit_id="alt", poll_id="weg",
                            question_version="1111222233334444"))
    s = _summary(builder.summaries(shipped.exhibits), "alt", "weg")
    assert s.status == "nicht im Inhalt" and s.voters == 1 and s.answers[0].label == "x"


def test_poll_selection_limits_records_and_summaries(vote, shipped, tmp_path):
    records = [vote(1, "stadtlabor", "zufriedenheit", ["4"]), vote(2, "stadtlabor", "wie-gefunden", ["presse"])]
    result = export_records(records, tmp_path / "x.json", "json", exhibits=shipped.exhibits,
                            selection=Selection(poll="stadtlabor/zufriedenheit"))
    assert result.records == 1
    assert [(s.exhibit_id, s.poll_id) for s in result.summaries] == [("stadtlabor", "zufriedenheit")]
