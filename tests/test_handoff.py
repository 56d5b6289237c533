"""QR hand-off addresses for the phone pages and event registration."""

import pytest

from kiosk.core.handoff import event_url, phone_url


def test_phone_url_for_an_exhibit():
    assert phone_url("https://stadtlabor.example.org", "freies-wlan", "de") == \
        "https://stadtlabor.example.org/m/freies-wlan?lang=de"


@pytest.mark.parametrize("base", ["https://x.example/", "https://x.example//", "https://x.example"])
def test_trailing_slashes_do_not_double(base):
    assert phone_url(base, "open-data", "ls") == "https://x.example/m/open-data?lang=ls"


def test_base_with_a_path_is_kept():
    assert phone_url("https://www.soest.de/stadtlabor/", "open-data", "en") == \
        "https://www.soest.de/stadtlabor/m/open-data?lang=en"


def test_id_is_quoted_as_one_path_segment():
    assert phone_url("https://x.example", "a b/c?d", "de") == "https://x.example/m/a%20b%2Fc%3Fd?lang=de"
    assert phone_url("https://x.example", "grün", "de") == "https://x.example/m/gr%C3%BCn?lang=de"


def test_unknown_layer_is_refused():
    with pytest.raises(ValueError, match="de, en, ls"):
        phone_url("https://x.example", "open-data", "fr")


def test_event_url_is_unchanged():
    url = "https://www.soest.de/termine/ideenabend?id=42&utm=kiosk"
    assert event_url(url) == url


# -- the hand-off token ------------------------------------------------------------------------

import base64  # noqa: E402

import qrcode  # noqa: E402

from kiosk.core.handoff import (  # noqa: E402
    HandoffError,
    handoff_key,
    make_handoff,
    new_handoff_id,
    read_handoff,
    token_digest,
)

CATALOG = ["buergerservice-online", "digitale-modellregion", "digitaler-zwilling", "freies-wlan",
           "friedhof-der-zukunft", "maengelmelder", "open-data", "parken-sensoren", "programmwerkstatt",
           "stadtlabor", "umweltsensoren"]
KIOSK_TOKEN = "Qx3k9V0_token-from-add-kiosk_0123456789abcdefghijk"
KEY = handoff_key(token_digest(KIOSK_TOKEN))
NOW = 1_800_000_000


def made(**changes) -> str:
    values = dict(kiosk_id="kiosk-01", handoff_id="a1b2c3d4e5f6", layer="en", marked=["open-data", "freies-wlan"],
                  catalog=CATALOG, now=NOW)
    values.update(changes)
    return make_handoff(KEY, **values)


def read(token: str, *, now: float = NOW + 60, catalog=CATALOG, keys=None):
    keys = {"kiosk-01": KEY} if keys is None else keys
    return read_handoff(token, keys.get, catalog, now=now)


def test_a_hand_off_reads_back_as_it_was_made():
    handoff = read(made())
    assert (handoff.kiosk_id, handoff.handoff_id, handoff.layer) == ("kiosk-01", "a1b2c3d4e5f6", "en")
    assert handoff.marked == ("freies-wlan", "open-data")
    assert handoff.expires_at == NOW + 2 * 3600


def test_the_central_can_check_it_knowing_only_the_tokens_hash():
    # The central keeps the token's SHA-256 (kiosk-central add-kiosk), never the token.
    from central.tokens import token_hash

    assert read(made(), keys={"kiosk-01": handoff_key(token_hash(KIOSK_TOKEN))}).kiosk_id == "kiosk-01"


def test_nothing_marked_and_every_exhibit_marked():
    assert read(made(marked=[])).marked == ()
    assert read(made(marked=CATALOG)).marked == tuple(CATALOG)


def test_another_catalog_says_the_list_is_unknown_instead_of_showing_wrong_exhibits():
    assert read(made(), catalog=[*CATALOG, "neues-exponat"]).marked is None


def test_it_expires_after_two_hours_by_default_and_when_told():
    token = made()
    assert read(token, now=NOW + 2 * 3600).layer == "en"
    with pytest.raises(HandoffError) as error:
        read(token, now=NOW + 2 * 3600 + 1)
    assert error.value.reason == "expired"
    with pytest.raises(HandoffError, match="expired"):
        read(made(valid_s=600), now=NOW + 601)


def test_every_changed_byte_is_found():
    raw = bytearray(base64.urlsafe_b64decode(made() + "=="))
    for at in range(len(raw)):
        for flip in (0x01, 0x80):
            tampered = bytearray(raw)
            tampered[at] ^= flip
            token = base64.urlsafe_b64encode(bytes(tampered)).rstrip(b"=").decode()
            with pytest.raises(HandoffError) as error:
                read(token)
            assert error.value.reason in {"forged", "malformed", "unknown_kiosk"}, (at, flip)


def test_a_token_signed_with_another_key_is_forged():
    other = make_handoff(handoff_key(token_digest("another kiosk's token")), kiosk_id="kiosk-01",
                         handoff_id="a1b2c3d4e5f6", layer="de", marked=[], catalog=CATALOG, now=NOW)
    with pytest.raises(HandoffError) as error:
        read(other)
    assert error.value.reason == "forged"


def test_an_unknown_kiosk_is_said_so():
    with pytest.raises(HandoffError) as error:
        read(made(kiosk_id="kiosk-99"))
    assert error.value.reason == "unknown_kiosk"


@pytest.mark.parametrize("token", ["", "!!!", "a" * 600, "äöü", "AAAA", made()[:-3], made() + "AAAA",
                                   base64.urlsafe_b64encode(b"\x02" + bytes(40)).decode()])
def test_garbage_is_malformed_or_forged_never_a_crash(token):
    with pytest.raises(HandoffError) as error:
        read(token)
    assert error.value.reason in {"malformed", "forged", "unknown_kiosk"}


def test_hand_off_ids_are_random_and_twelve_hex_digits():
    ids = {new_handoff_id() for _ in range(1000)}
    assert len(ids) == 1000 and all(len(made) == 12 and int(made, 16) >= 0 for made in ids)


def test_the_address_with_its_hand_off_stays_a_small_qr_code():
    # Readable from a step away: at most version 8 at level M, with every exhibit marked, the
    # longest exhibit id, the longest layer and a realistic public address.
    token = made(marked=CATALOG, kiosk_id="stadtlabor-kiosk-02", layer="ls")
    url = phone_url("https://stadtlabor.soest.de", "buergerservice-online", "ls", token)
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(url)
    code.make(fit=True)
    assert code.version <= 8, (code.version, len(url), url)
    assert url.endswith("?lang=ls&h=" + token) and len(token) <= 64
