"""The kiosk's own words (buttons, headings, notes) in the three layers.

Content texts come from the exhibit files; these are the words around them.
"""

from __future__ import annotations

from .content_model import LocalizedText


def _t(de: str, en: str, ls: str) -> LocalizedText:
    return LocalizedText(de=de, en=en, ls=ls)


TEXTS: dict[str, LocalizedText] = {
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
    "scan_hint": _t("Code mit der Handykamera scannen", "Scan the code with your phone camera",
                    "Halten Sie die Handy·kamera auf das Bild."),
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
    "continue": _t("Ja, weiter", "Yes, continue", "Ja, ich bin noch da"),
    "larger_text": _t("Größere Schrift", "Larger text", "Große Schrift"),
    "contrast": _t("Kontrast", "Contrast", "Kontrast"),
    "preparing_title": _t("Die Ausstellung wird vorbereitet", "The exhibition is being prepared",
                          "Die Ausstellung ist bald fertig."),
    "preparing_sub": _t("Bitte schauen Sie bald wieder vorbei. Das Team im StadtLABOR hilft Ihnen gern.",
                        "Please come back soon. The StadtLABOR team is happy to help.",
                        "Kommen Sie bitte später wieder. Das Team im Stadt·labor hilft Ihnen gerne."),
    "more_about": _t("Mehr erfahren", "Learn more", "Mehr lesen"),
}

LANGUAGE_LABELS = {"de": "Deutsch", "en": "English", "ls": "Leichte Sprache"}


def text(key: str, layer: str, **values) -> str:
    """The UI text `key` in `layer`; German where a layer is empty."""
    words = TEXTS[key].get(layer)
    return words.format(**values) if values else words
