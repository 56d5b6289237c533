"""The phone pages' own words in the three layers; words the kiosk has too come from there."""

from __future__ import annotations

from kiosk.core.terms import LAYERS, Words
from kiosk.core.ui_text import TEXTS, text


def _t(de: str, en: str, ls: str) -> Words:
    return Words(de=de, en=en, ls=ls)


PHONE_TEXTS: dict[str, Words] = {
    "site": _t("StadtLABOR Soest", "StadtLABOR Soest", "Stadt·labor Soest"),
    "take_home": _t("Meine Merkliste", "My saved exhibits", "Das wollte ich mir merken"),
    "take_home_empty": _t("Sie haben am Kiosk nichts gemerkt.", "You did not save anything at the kiosk.",
                          "Sie haben am Bild·schirm nichts gemerkt."),
    "take_home_unknown": _t("Die Ausstellung hat sich seitdem geändert; Ihre Merkliste lässt sich nicht mehr zeigen.",
                            "The exhibition has changed since; your saved list can no longer be shown.",
                            "Die Ausstellung ist jetzt anders. Wir können Ihre Liste nicht mehr zeigen."),
    "all_exhibits": _t("Alle Themen", "All topics", "Alle Themen"),
    "events": _t("Termine", "Events", "Termine"),
    "register": _t("Anmelden", "Register", "Anmelden"),
    "links": _t("Mehr dazu", "More", "Mehr dazu"),
    "take_part": _t("Mitmachen", "Take part", "Mit·machen"),
    "vote": _t("Abstimmen", "Vote", "Abstimmen"),
    "rating": _t("Ihre Bewertung", "Your rating", "Wie finden Sie das?"),
    "stars": _t("{n} von 5", "{n} of 5", "{n} von 5"),
    "your_idea": _t("Ihre Idee", "Your idea", "Ihre Idee"),
    "visitors_only": _t(
        "Mitmachen können Besucherinnen und Besucher des StadtLABORs: Scannen Sie dort den Code am Bildschirm.",
        "Taking part is open to visitors of the StadtLABOR: scan the code on its screens.",
        "Mit·machen können Sie im Stadt·labor. Scannen Sie dort den Code am Bild·schirm."),
    "opening_hours": _t("Geöffnet", "Open", "Offen"),
    "version": _t("Inhalt, Stand {version}", "Content version {version}", "Inhalt, Stand {version}"),
    "choose_up_to": _t("Bis zu {n} Antworten", "Up to {n} answers", "Sie können {n} Antworten wählen."),
    "choose_up_to_one": _t("Eine Antwort", "One answer", "Sie können 1 Antwort wählen."),
    "not_found": _t("Diese Seite gibt es nicht.", "This page does not exist.", "Diese Seite gibt es nicht."),
    "handoff_expired": _t(
        "Der Code vom Bildschirm ist abgelaufen. Lesen und stöbern können Sie weiter; mitmachen können Sie beim "
        "nächsten Besuch im StadtLABOR.",
        "The code from the screen has expired. You can still read and browse; you can take part on your next visit "
        "to the StadtLABOR.",
        "Der Code ist zu alt. Sie können hier weiter lesen. Mit·machen können Sie beim nächsten Besuch."),
    "handoff_invalid": _t(
        "Dieser Code stammt nicht von einem Bildschirm des StadtLABORs oder wurde verändert. Sie sehen die "
        "öffentliche Seite.",
        "This code does not come from a StadtLABOR screen, or it was changed. You see the public page.",
        "Dieser Code ist nicht vom Stadt·labor. Oder jemand hat ihn verändert. Sie sehen die normale Seite."),
    "form_expired": _t("Das Formular war zu alt. Bitte noch einmal absenden.",
                       "The form had expired. Please send it again.",
                       "Das hat nicht geklappt. Bitte noch einmal schicken."),
    "too_many": _t("Zu viele Eingaben in kurzer Zeit. Bitte warten Sie einen Moment.",
                   "Too many submissions in a short time. Please wait a moment.",
                   "Sie haben zu oft geschickt. Bitte warten Sie kurz."),
    "input_problem": _t("Das ließ sich nicht speichern: {why}", "That could not be saved: {why}",
                        "Das hat nicht geklappt: {why}"),
    "thanks_back": _t("Zurück zum Thema", "Back to the topic", "Zurück zum Thema"),
}


def say(key: str, layer: str, **values) -> str:
    """The phone's word `key` in `layer` (German where the layer has none), else the kiosk's."""
    if key in PHONE_TEXTS:
        words = PHONE_TEXTS[key]
        phrase = getattr(words, layer, None) or words.de
        if "n" in values and values["n"] == 1 and f"{key}_one" in PHONE_TEXTS:
            one = PHONE_TEXTS[f"{key}_one"]
            phrase = getattr(one, layer, None) or one.de
        return phrase.format(**values) if values else phrase
    if key in TEXTS:
        return text(key, layer, **values)
    raise KeyError(key)


def layer_or_default(value: str | None) -> str:
    return value if value in LAYERS else LAYERS[0]
