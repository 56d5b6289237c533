"""The kiosk's own words (buttons, headings, notes) in the three layers.

Content texts come from the exhibit files; these are the words around them.
"""

from __future__ import annotations

from .numbers import whole
from .terms import Words


def _t(de: str, en: str, ls: str) -> Words:
    return Words(de=de, en=en, ls=ls)


TEXTS: dict[str, Words] = {
    "welcome": _t("Willkommen im StadtLABOR", "Welcome to the StadtLABOR", "Willkommen im Stadt·labor"),
    "welcome_sub": _t("Digitale Projekte der Stadt Soest entdecken und mitreden",
                      "Discover the digital projects of the city of Soest and have your say",
                      "Hier zeigt die Stadt Soest ihre Projekte. Sie können mit·reden."),
    "tap_to_start": _t("Tippen zum Starten", "Tap to start", "Hier tippen. Dann geht es los."),
    "home_title": _t("Was möchten Sie entdecken?", "What would you like to explore?",
                     "Was möchten Sie an·sehen?"),
    "next_events": _t("Als Nächstes im StadtLABOR", "Coming up at the StadtLABOR", "Diese Treffen gibt es bald"),
    "all_events": _t("Alle Termine", "All events", "Alle Termine an·sehen"),
    "back": _t("Zurück", "Back", "Zurück"),
    "overview": _t("Übersicht", "Overview", "Über·sicht"),
    "read_on_phone": _t("Auf dem Handy weiterlesen", "Continue on your phone", "Auf dem Handy weiter·lesen"),
    # After a vote, a rating or an idea: the same exhibit's phone page, with the visit's hand-off.
    "continue_on_phone": _t("Weiter auf dem Handy", "Continue on your phone", "Auf dem Handy weiter·machen"),
    "scan_hint": _t("Code mit der Handykamera scannen", "Scan the code with your phone camera",
                    "Halten Sie die Handy·kamera auf das Bild."),
    # The toggle under an exhibit's QR code: marked exhibits travel to the phone with the code.
    "take_home": _t("Mitnehmen", "Take home", "Mit·nehmen"),
    "taken_home": _t("Gemerkt", "Saved", "Ist gemerkt"),
    "contacts": _t("Ansprechpersonen", "Contact", "Hier können Sie fragen"),
    "fallback_note": _t("Diesen Text gibt es nur auf Deutsch.", "This text is not yet available in English. It is shown in German.",
                        "Diesen Text gibt es noch nicht in Leichter Sprache. Hier steht er auf Deutsch."),
    "events_title": _t("Termine und Veranstaltungen", "Events and workshops", "Termine"),
    "register": _t("Anmelden: Code scannen", "Register: scan the code", "Anmelden: Handy·kamera auf das Bild halten"),
    "no_registration": _t("Ohne Anmeldung, einfach vorbeikommen", "No registration needed, just drop in",
                          "Sie müssen sich nicht anmelden. Kommen Sie einfach."),
    "no_events": _t("Zurzeit sind keine Termine geplant.", "No events are planned right now.",
                    "Im Moment gibt es keine Termine."),
    "still_there": _t("Sind Sie noch da?", "Are you still there?", "Sind Sie noch da?"),
    "still_there_sub": _t("Ohne Berührung beginnt der Kiosk in {n} Sekunden von vorn.",
                          "Without a touch, the kiosk starts over in {n} seconds.",
                          "Tippen Sie auf den Knopf. Sonst fängt alles neu an. Noch {n} Sekunden."),
    "still_there_sub_one": _t("Ohne Berührung beginnt der Kiosk in 1 Sekunde von vorn.",
                              "Without a touch, the kiosk starts over in 1 second.",
                              "Tippen Sie auf den Knopf. Sonst fängt alles neu an. Noch 1 Sekunde."),
    "continue": _t("Ja, weiter", "Yes, continue", "Ja, ich bin noch da"),
    "larger_text": _t("Größere Schrift", "Larger text", "Große Schrift"),
    "contrast": _t("Kontrast", "Contrast", "Kontrast"),
    "preparing_title": _t("Die Ausstellung wird vorbereitet", "The exhibition is being prepared",
                          "Die Ausstellung ist bald fertig."),
    "preparing_sub": _t("Bitte schauen Sie bald wieder vorbei. Das Team im StadtLABOR hilft Ihnen gern.",
                        "Please come back soon. The StadtLABOR team is happy to help.",
                        "Kommen Sie bitte später wieder. Das Team im Stadt·labor hilft Ihnen gerne."),
    "take_part": _t("Mitmachen", "Take part", "Mit·machen"),
    "answer_poll": _t("Umfrage", "Poll", "Frage"),
    "give_feedback": _t("Bewerten", "Rate this", "Sagen Sie uns Ihre Meinung"),
    "give_idea": _t("Idee einbringen", "Share an idea", "Ihre Idee auf·schreiben"),
    "done": _t("Fertig", "Done", "Fertig"),
    "pick_one": _t("Eine Antwort wählen", "Choose one answer", "Tippen Sie auf eine Antwort."),
    "pick_up_to": _t("Bis zu {n} Antworten wählen", "Choose up to {n} answers",
                     "Sie können {n} Antworten an·tippen."),
    "pick_up_to_one": _t("Eine Antwort wählen", "Choose one answer", "Tippen Sie auf eine Antwort."),
    "pick_scale": _t("Von 1 (gar nicht) bis 5 (sehr)", "From 1 (not at all) to 5 (very much)",
                     "1 heißt: gar nicht. 5 heißt: sehr."),
    "confirm_vote": _t("Abstimmen", "Vote", "Antwort schicken"),
    "thanks_vote": _t("Danke für Ihre Stimme!", "Thank you for your vote!", "Danke für Ihre Antwort!"),
    "results_honest": _t("Stimmen hier vor Ort, nicht repräsentativ", "Votes cast here, not representative",
                         "So haben Menschen hier geantwortet. Das ist keine Umfrage für ganz Soest."),
    # Several answers per voter: each bar is the share of voters who chose it, so the bars add
    # up to more than 100 % and "33 %" still means "a third of the people who voted".
    "results_share_of_voters": _t("Anteil der Abstimmenden, Mehrfachauswahl möglich",
                                  "Share of voters; more than one answer possible",
                                  "Jede Person konnte mehr als eine Antwort wählen.\n"
                                  "Die Zahl zeigt: So viele von allen Personen haben das gewählt."),
    "voters": _t("{n} Stimmen", "{n} votes", "{n} Antworten"),
    "voters_one": _t("1 Stimme", "1 vote", "1 Antwort"),
    "voters_multi": _t("{n} Abstimmende", "{n} voters", "{n} Personen"),
    "voters_multi_one": _t("1 abstimmende Person", "1 voter", "1 Person"),
    "already_voted": _t("Sie haben bei dieser Umfrage schon abgestimmt. Danke!",
                        "You have already voted in this poll. Thank you!",
                        "Sie haben hier schon geantwortet. Danke!"),
    "cooldown": _t("Hier wurde gerade abgestimmt. Bitte in {n} Sekunden noch einmal.",
                   "Someone just voted here. Please try again in {n} seconds.",
                   "Hier hat gerade jemand geantwortet. Warten Sie bitte {n} Sekunden."),
    "cooldown_one": _t("Hier wurde gerade abgestimmt. Bitte in 1 Sekunde noch einmal.",
                       "Someone just voted here. Please try again in 1 second.",
                       "Hier hat gerade jemand geantwortet. Warten Sie bitte 1 Sekunde."),
    "closed": _t("Diese Umfrage ist zurzeit geschlossen.", "This poll is closed at the moment.",
                 "Diese Frage ist gerade zu."),
    "not_possible": _t("Das Speichern ist gerade nicht möglich. Bitte versuchen Sie es später noch einmal.",
                       "Saving is not possible right now. Please try again later.",
                       "Das geht gerade nicht. Bitte versuchen Sie es später noch einmal."),
    "saving": _t("Wird gespeichert …", "Saving …", "Einen Moment bitte …"),
    "smiley_1": _t("gar nicht gut", "not good at all", "gar nicht gut"),
    "smiley_2": _t("eher nicht gut", "not so good", "nicht so gut"),
    "smiley_3": _t("eher gut", "quite good", "gut"),
    "smiley_4": _t("sehr gut", "very good", "sehr gut"),
    "yes": _t("Ja", "Yes", "Ja"),
    "no": _t("Nein", "No", "Nein"),
    "feedback_question": _t("Wie gefällt Ihnen dieses Thema?", "How do you like this topic?",
                            "Wie finden Sie dieses Thema?"),
    "comment_optional": _t("Möchten Sie noch etwas dazu schreiben? (freiwillig)",
                           "Would you like to add something? (optional)",
                           "Sie können noch etwas schreiben. Das müssen Sie nicht."),
    "send": _t("Absenden", "Send", "Schicken"),
    "thanks_feedback": _t("Danke für Ihre Rückmeldung!", "Thank you for your feedback!",
                          "Danke für Ihre Meinung!"),
    "thanks_idea": _t("Danke für Ihre Idee! Das Team der Stadt liest jede Idee.",
                      "Thank you for your idea! The city's team reads every idea.",
                      "Danke für Ihre Idee! Die Stadt liest jede Idee."),
    "privacy_hint": _t("Bitte keine Namen, Adressen oder Telefonnummern.",
                       "Please no names, addresses or phone numbers.",
                       "Schreiben Sie bitte keine Namen. Keine Adressen. Keine Telefon·nummern."),
    "chars_left": _t("noch {n} Zeichen", "{n} characters left", "Sie können noch {n} Zeichen schreiben."),
    "chars_left_one": _t("noch 1 Zeichen", "1 character left", "Sie können noch 1 Zeichen schreiben."),
    "unsent_idea": _t("Ihre Idee ist noch nicht gesendet.", "Your idea has not been sent yet.",
                      "Sie haben Ihre Idee noch nicht geschickt."),
    "unsent_comment": _t("Ihre Rückmeldung ist noch nicht gesendet.", "Your feedback has not been sent yet.",
                         "Sie haben Ihre Meinung noch nicht geschickt."),
    "unsent_vote": _t("Sie haben gewählt, aber noch nicht abgestimmt.", "You chose an answer but have not voted yet.",
                      "Sie haben eine Antwort an·getippt.\nSie haben sie noch nicht geschickt."),
    "unsent_question": _t("Wenn Sie jetzt aufhören, geht das verloren.", "If you finish now, it will be lost.",
                          "Wenn Sie jetzt auf·hören, ist es weg."),
    "discard": _t("Verwerfen und beenden", "Discard and finish", "Weg·werfen und auf·hören"),
    "keep_writing": _t("Weiter schreiben", "Keep writing", "Weiter·schreiben"),
    "keep_voting": _t("Zurück zur Umfrage", "Back to the poll", "Zurück zur Frage"),
    "write_here": _t("Hier tippen Sie Ihre Idee …", "Type your idea here …", "Hier schreiben Sie Ihre Idee …"),
    # The Ideenwand: approved ideas of earlier visitors with the city's answers (kiosk.core.idea_wall).
    "idea_wall": _t("Ideenwand", "Idea wall", "Ideen·wand"),
    "idea_wall_sub": _t("Ideen aus dem StadtLABOR und was die Stadt dazu sagt",
                        "Ideas from the StadtLABOR and what the city says about them",
                        "Hier stehen Ideen von Menschen im Stadt·labor.\nUnd was die Stadt dazu sagt."),
    "idea_wall_teaser": _t("Was aus den Ideen geworden ist", "What became of the ideas",
                           "Das ist aus den Ideen geworden."),
    "idea_wall_open": _t("Ideen ansehen", "See the ideas", "Ideen an·sehen"),
    "idea_wall_to_wall": _t("Zur Ideenwand", "To the idea wall", "Zur Ideen·wand"),
    "idea_wall_empty": _t("Hier erscheinen Ideen, sobald die Stadt sie beantwortet hat. Schauen Sie bald wieder "
                          "vorbei!",
                          "Ideas appear here once the city has answered them. Do come back soon!",
                          "Hier stehen bald Ideen.\nDie Stadt antwortet zuerst.\nKommen Sie bald wieder."),
    "idea_wall_answer": _t("Antwort der Stadt", "The city's answer", "Das sagt die Stadt:"),
    "idea_wall_no_answer": _t("Die Stadt hat noch nicht geantwortet.", "The city has not answered yet.",
                              "Die Stadt hat noch nicht geantwortet."),
    "idea_wall_about": _t("Idee zu: {exhibit}", "Idea about: {exhibit}", "Die Idee ist zu: {exhibit}"),
    "idea_status_received": _t("Eingegangen", "Received", "Angekommen"),
    "idea_status_reviewing": _t("In Prüfung", "Under review", "Wird geprüft"),
    "idea_status_done": _t("Umgesetzt", "Done", "Ist gemacht"),
    "idea_status_not_possible": _t("Nicht möglich", "Not possible", "Geht leider nicht"),
}

LANGUAGE_LABELS = {"de": "Deutsch", "en": "English", "ls": "Leichte Sprache"}


def text(key: str, layer: str, **values) -> str:
    """The UI text `key` in `layer`; German where a layer is empty.

    A count `n` picks the singular text `key_one` where there is one ("1 Sekunde", not
    "1 Sekunden") and is written as the layer writes numbers ("1.234" on German screens)."""
    n = values.get("n")
    if isinstance(n, int) and not isinstance(n, bool):
        if n == 1 and f"{key}_one" in TEXTS:
            key = f"{key}_one"
        values["n"] = whole(n, layer)
    words = TEXTS[key].get(layer)
    return words.format(**values) if values else words


def count_text(key: str, n: int, layer: str) -> str:
    """`key` with the count `n`, singular or plural as the layer says it."""
    return text(key, layer, n=int(n))
