"""Exhibits marked "Mitnehmen" during a visit, and the hand-off token an exhibit's QR code
carries them in (no Kivy)."""

import pytest
import qrcode
from conftest import PROJECT

from kiosk.core.config import Config, KioskSection, PhoneSection, SyncSection
from kiosk.core.content_loader import load_content
from kiosk.core.handoff import handoff_key, phone_url, read_handoff, token_digest, visit_handoff
from kiosk.core.visit import Visits

KIOSK_TOKEN = "Qx3k9V0_token-from-add-kiosk_0123456789abcdefghijk"
NOW = 1_800_000_000


@pytest.fixture(scope="module")
def content():
    return load_content(PROJECT)


def config(token: str = KIOSK_TOKEN, minutes: int = 120, kiosk_id: str = "kiosk-01") -> Config:
    return Config(kiosk=KioskSection(id=kiosk_id), sync=SyncSection(token=token),
                  phone=PhoneSection(public_url="https://stadtlabor.soest.de", handoff_valid_minutes=minutes))


def read(token: str, content, kiosk_id: str = "kiosk-01", now: float = NOW + 60):
    keys = {kiosk_id: handoff_key(token_digest(KIOSK_TOKEN))}
    return read_handoff(token, keys.get, [e.id for e in content.exhibits], now=now)


def test_marking_toggles_and_keeps_the_marking_order():
    visits = Visits("v1")
    visits.start("de")
    assert visits.take_home() == ()
    assert visits.toggle_take_home("open-data") is True
    assert visits.toggle_take_home("freies-wlan") is True
    assert visits.take_home() == ("open-data", "freies-wlan")
    assert visits.is_taken_home("open-data")
    assert visits.toggle_take_home("open-data") is False
    assert visits.take_home() == ("freies-wlan",) and not visits.is_taken_home("open-data")
    assert visits.toggle_take_home("open-data") is True
    assert visits.take_home() == ("freies-wlan", "open-data")


def test_the_list_and_the_hand_off_id_go_with_the_session():
    visits = Visits("v1")
    first = visits.start("de")
    visits.toggle_take_home("open-data")
    visits.end("done")
    assert visits.take_home() == () and not visits.is_taken_home("open-data")
    second = visits.start("de")
    assert visits.take_home() == ()
    assert len(second.handoff_id) == 12 and second.handoff_id != first.handoff_id


def test_no_sync_token_no_hand_off(content):
    visits = Visits("v1")
    session = visits.start("de")
    visits.toggle_take_home("open-data")
    assert visit_handoff(config(token=""), content, session, "de", now=NOW) is None
    assert visit_handoff(config(), content, None, "de", now=NOW) is None
    assert visit_handoff(config(), None, session, "de", now=NOW) is None


def test_the_token_says_the_visit_the_language_and_the_marked_exhibits(content):
    visits = Visits("v1")
    session = visits.start("en")
    visits.toggle_take_home("open-data")
    visits.toggle_take_home("freies-wlan")
    token = visit_handoff(config(minutes=30), content, session, "en", now=NOW)
    handoff = read(token, content)
    assert (handoff.kiosk_id, handoff.handoff_id, handoff.layer) == ("kiosk-01", session.handoff_id, "en")
    assert handoff.marked == ("freies-wlan", "open-data")
    assert handoff.expires_at == NOW + 30 * 60


def test_the_same_visit_gives_the_same_token_until_something_changes(content):
    # The same token is the same QR code: the kiosk does not draw it again.
    visits = Visits("v1")
    session = visits.start("de")
    settings = config()
    token = visit_handoff(settings, content, session, "de", now=NOW)
    assert visit_handoff(settings, content, session, "de", now=NOW + 59 * 60) == token
    visits.toggle_take_home("open-data")
    marked = visit_handoff(settings, content, session, "de", now=NOW + 60)
    assert marked != token and read(marked, content).marked == ("open-data",)
    english = visit_handoff(settings, content, session, "en", now=NOW + 60)
    assert read(english, content).layer == "en"
    visits.toggle_take_home("open-data")
    assert read(visit_handoff(settings, content, session, "en", now=NOW + 60), content).marked == ()


def test_a_token_is_made_anew_once_half_its_time_has_passed(content):
    visits = Visits("v1")
    session = visits.start("de")
    settings = config(minutes=120)
    token = visit_handoff(settings, content, session, "de", now=NOW)
    later = visit_handoff(settings, content, session, "de", now=NOW + 61 * 60)
    assert later != token
    assert read(later, content, now=NOW + 61 * 60 + 119 * 60).expires_at == NOW + 181 * 60


def test_everything_marked_with_the_longest_id_stays_a_small_qr_code(content):
    # Readable from a step away: at most version 8 at level M.
    ids = [e.id for e in content.exhibits]
    longest = max(ids, key=len)
    visits = Visits("v1")
    session = visits.start("ls")
    for exhibit_id in ids:
        visits.toggle_take_home(exhibit_id)
    settings = config(kiosk_id="stadtlabor-kiosk-02")
    token = visit_handoff(settings, content, session, "ls", now=NOW)
    url = phone_url(settings.phone.public_url, longest, "ls", token)
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(url)
    code.make(fit=True)
    assert code.version <= 8, (code.version, len(url), url)
    assert read(token, content, kiosk_id="stadtlabor-kiosk-02").marked == tuple(sorted(ids))
