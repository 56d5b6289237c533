"""Staff accounts and the dashboard's login (issue 12, point 1), against a real central:
add-staff/remove-staff/list-staff with wrong and hostile arguments, scrypt hashes only, the
session cookie's flags, CSRF on every form, the lockout after 5 failed logins, every page
behind the login, and kiosk tokens that never open it."""

from __future__ import annotations

import subprocess

import pytest
import requests

from central_server import central_command
from staff_helpers import PASSWORD, add_staff, log_in, login_csrf


@pytest.fixture
def staffed(central):
    assert add_staff(central, "anna", PASSWORD, "--admin").returncode == 0
    return central


def cli(central, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(central_command(*args, "--config", str(central.config_path)), input=stdin,
                          capture_output=True, text=True, timeout=60)


def test_add_staff_keeps_only_a_scrypt_hash(staffed):
    (stored,) = staffed.rows("SELECT password_hash FROM staff WHERE \"user\" = 'anna'")
    assert stored[0].startswith("scrypt$16384$8$1$") and PASSWORD not in stored[0]
    listing = cli(staffed, "list-staff")
    assert listing.returncode == 0 and "anna" in listing.stdout and "admin" in listing.stdout


@pytest.mark.parametrize("args, stdin, code, words", [
    (("add-staff", "ben", "--password-stdin"), "kurz\n", 1, "too short"),
    (("add-staff", "ben", "--password-stdin"), "", 1, "stdin was empty"),
    (("add-staff", "ben", "--password-stdin"), " leading space password\n", 1, "starts or ends with a space"),
    (("add-staff", "ben"), None, 2, "pass --password-stdin"),
    (("add-staff", "Ben Hur", "--password-stdin"), PASSWORD + "\n", 2, "is not a user name"),
    (("add-staff", "anna", "--password-stdin"), PASSWORD + "\n", 1, "exists already"),
    (("remove-staff", "nobody"), None, 1, "no staff user 'nobody'"),
])
def test_wrong_staff_commands_say_what_is_wrong_and_change_nothing(staffed, args, stdin, code, words):
    before = staffed.rows("SELECT \"user\", password_hash FROM staff")
    done = cli(staffed, *args, stdin=stdin)
    assert done.returncode == code and words in done.stderr and "Traceback" not in done.stderr
    assert staffed.rows("SELECT \"user\", password_hash FROM staff") == before


def test_login_sets_a_strict_http_only_session_cookie_and_opens_the_dashboard(staffed):
    with requests.Session() as browser:
        assert browser.get(staffed.url + "/staff/", allow_redirects=False).headers["location"] == "/staff/login"
        answer = log_in(browser, staffed, "anna")
        assert answer.status_code == 303 and answer.headers["location"] == "/staff/"
        cookie = next(c for c in answer.headers["set-cookie"].split(", stadtlabor") if "stadtlabor_staff=" in c)
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/staff" in cookie
        page = browser.get(staffed.url + "/staff/")
        assert page.status_code == 200 and "<h1>Kioske</h1>" in page.text
        assert page.headers["cache-control"] == "no-store" and "default-src 'none'" in page.headers[
            "content-security-policy"]
    (session,) = staffed.rows("SELECT token_hash FROM staff_sessions")
    assert len(session[0]) == 64 and session[0] not in answer.headers["set-cookie"]  # only its hash is kept


def test_a_login_without_or_with_a_wrong_csrf_token_is_refused(staffed):
    with requests.Session() as browser:
        login_csrf(browser, staffed)
        for csrf in ("", "0" * 32):
            answer = browser.post(staffed.url + "/staff/login", data={"user": "anna", "password": PASSWORD,
                                                                       "csrf": csrf}, allow_redirects=False)
            assert answer.status_code == 403 and "stadtlabor_staff" not in answer.headers.get("set-cookie", "")


def test_five_failed_logins_lock_the_account_even_for_the_right_password(staffed):
    with requests.Session() as browser:
        codes = [log_in(browser, staffed, "anna", "wrong password!").status_code for _ in range(5)]
        locked = log_in(browser, staffed, "anna")
    assert codes == [401] * 5
    assert locked.status_code == 423 and "gesperrt" in locked.text
    assert staffed.rows("SELECT locked_until IS NOT NULL FROM staff WHERE \"user\" = 'anna'") == [(1,)]
    # An administrator's new password ends the lock.
    assert add_staff(staffed, "anna", "a brand new passphrase", "--replace").returncode == 0
    with requests.Session() as browser:
        assert log_in(browser, staffed, "anna", "a brand new passphrase").status_code == 303


def test_an_unknown_user_gets_the_same_answer_as_a_wrong_password(staffed):
    with requests.Session() as browser:
        unknown, wrong = log_in(browser, staffed, "mallory"), log_in(browser, staffed, "anna", "wrong password!")
    assert unknown.status_code == wrong.status_code == 401
    assert "Benutzername oder Passwort falsch" in unknown.text and "Benutzername oder Passwort falsch" in wrong.text


def test_a_kiosk_token_never_opens_the_dashboard(staffed):
    token = staffed.add_kiosk("kiosk-01")
    for path in ("/staff/", "/staff/login"):
        answer = requests.get(staffed.url + path, headers={"Authorization": f"Bearer {token}"}, allow_redirects=False)
        assert answer.status_code in (200, 303) and "<h1>Kioske</h1>" not in answer.text
    forged = requests.get(staffed.url + "/staff/", cookies={"stadtlabor_staff": token}, allow_redirects=False)
    assert forged.status_code == 303


def test_logout_needs_its_csrf_token_and_ends_the_session(staffed):
    import re

    with requests.Session() as browser:
        log_in(browser, staffed, "anna")
        page = browser.get(staffed.url + "/staff/").text
        assert browser.post(staffed.url + "/staff/logout", data={"csrf": ""}, allow_redirects=False).status_code == 403
        csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        assert browser.post(staffed.url + "/staff/logout", data={"csrf": csrf}, allow_redirects=False).status_code == 303
        assert browser.get(staffed.url + "/staff/", allow_redirects=False).status_code == 303
    assert staffed.rows("SELECT COUNT(*) FROM staff_sessions") == [(0,)]


def test_removing_a_user_ends_their_open_session(staffed):
    with requests.Session() as browser:
        log_in(browser, staffed, "anna")
        assert browser.get(staffed.url + "/staff/", allow_redirects=False).status_code == 200
        assert cli(staffed, "remove-staff", "anna").returncode == 0
        assert browser.get(staffed.url + "/staff/", allow_redirects=False).status_code == 303
