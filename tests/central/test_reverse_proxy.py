"""The shipped nginx example (deploy/nginx/stadtlabor-central.conf) run for real, with TLS, in
front of a real central (issue 13, point 4).

Debian's nginx runs in the foreground with a main config of the test's own (pid, logs and temp
folders in a temporary folder) around the example, in which only the ports and the paths (the
certificate, the webroot) are swapped; the certificate is a self-signed one made by openssl. As
root (CI) the master starts its worker as nobody, as Debian's nginx does with www-data; as a
normal user everything runs as that user.

Through https: a kiosk's push and a batch of nearly 2 MiB, the staff login's and the phone
pages' cookies Secure, http:// sent on to https://, and the central counting the visitor's
address (from X-Forwarded-For) in its rate limits, not the proxy's. And the example as installed,
inside Debian's own nginx.conf, passes `nginx -t`.
"""

from __future__ import annotations

import grp
import json
import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import requests
from requests.adapters import HTTPAdapter

from central_records import batch, outcomes, push, record, records
from central_server import PROJECT, central_command, free_port
from sync.protocol import MAX_BATCH_BYTES, RECORDS_PATH, SYNC_STATE_PATH

EXAMPLE = PROJECT / "deploy" / "nginx" / "stadtlabor-central.conf"
START_TIMEOUT_S = 20
PASSWORD = "correct horse battery staple"


def nginx_binary() -> str:
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)
    if found is None:
        raise RuntimeError("nginx is not installed: scripts/setup test installs Debian's nginx")
    return found


def site_config(central_port: int, https_port: int, http_port: int, cert: Path, key: Path, webroot: Path) -> str:
    """The shipped example with only its ports and paths swapped (no IPv6 listeners: a test
    machine may have no ::1)."""
    text = EXAMPLE.read_text(encoding="utf-8")
    swaps = {
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "server 127.0.0.1:8765;": f"server 127.0.0.1:{central_port};",
        "/etc/letsencrypt/live/stadtlabor.example.org/fullchain.pem": str(cert),
        "/etc/letsencrypt/live/stadtlabor.example.org/privkey.pem": str(key),
        "root /var/www/html;": f"root {webroot};",
    }
    for old, new in swaps.items():
        assert text.count(old) == 1, f"the example no longer has '{old}' once; update this test"
        text = text.replace(old, new)
    lines = text.splitlines(keepends=True)
    kept = [line for line in lines if not line.strip().startswith("listen [::]:")]
    assert len(lines) - len(kept) == 2
    return "".join(kept)


def self_signed(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True, timeout=60)
    key.chmod(0o600)
    return cert, key


class Nginx:
    """Debian's nginx in the foreground around the example, everything it writes in `folder`."""

    def __init__(self, folder: Path, central_port: int):
        self.folder = folder
        self.cert, key = self_signed(folder)
        self.https_port, self.http_port = free_port(), free_port()
        self.https = f"https://127.0.0.1:{self.https_port}"
        self.http = f"http://127.0.0.1:{self.http_port}"
        site = folder / "stadtlabor-central.conf"
        self.webroot = folder / "webroot"
        self.webroot.mkdir()
        site.write_text(site_config(central_port, self.https_port, self.http_port, self.cert, key, self.webroot),
                        encoding="utf-8")
        user = ""
        if os.geteuid() == 0:  # a root master drops its worker to nobody, as Debian's to www-data
            nobody = pwd.getpwnam("nobody")
            user = f"user nobody {grp.getgrgid(nobody.pw_gid).gr_name};"
        temp = " ".join(f"{kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy", "fastcgi",
                                                                            "uwsgi", "scgi"))
        self.config = folder / "nginx.conf"
        self.config.write_text(f"""
daemon off;
master_process on;
worker_processes 1;
pid {folder / 'nginx.pid'};
error_log {folder / 'error.log'} info;
{user}
events {{ worker_connections 256; }}
http {{
    access_log {folder / 'access.log'};
    {temp}
    include {site};
}}
""", encoding="utf-8")
        self.process: subprocess.Popen | None = None

    def start(self) -> "Nginx":
        with open(self.folder / "nginx.out", "ab") as out:  # what it says before its error_log is open
            self.process = subprocess.Popen([nginx_binary(), "-p", str(self.folder), "-c", str(self.config)],
                                            stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx ended with {self.process.returncode} at start:\n"
                                   f"{(self.folder / 'nginx.out').read_text(errors='replace')}{self.log()}")
            try:
                requests.get(self.https + "/openapi.json", verify=str(self.cert), timeout=2)
                return self
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"nginx did not answer within {START_TIMEOUT_S} s:\n{self.log()}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)  # nginx's fast shutdown
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def log(self) -> str:
        path = self.folder / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def session(self, source: str = "127.0.0.1") -> requests.Session:
        """A client that trusts the self-signed certificate, connecting from `source` (any
        127.x.y.z is this machine: a second visitor without a second machine)."""
        session = requests.Session()
        session.trust_env = False  # else REQUESTS_CA_BUNDLE, where set, wins over verify
        session.verify = str(self.cert)
        session.mount("https://", _From(source))
        session.mount("http://", _From(source))
        return session


class _From(HTTPAdapter):
    def __init__(self, source: str):
        self.source = source
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.source, 0)
        super().init_poolmanager(*args, **kwargs)


class Through:
    """The central as a client sees it through the proxy: what the tests' helpers need of a central."""

    def __init__(self, url: str):
        self.url = url

    @staticmethod
    def auth(token: str) -> dict:
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def proxied(central_with):
    """(central, nginx) with nginx from the example in front of a real central over the shipped content."""
    central = central_with(content_root=str(PROJECT))
    # Not under pytest's tmp_path: root's 0700 folders there are closed to the worker (nobody).
    folder = Path(tempfile.mkdtemp(prefix="stadtlabor-nginx-"))
    folder.chmod(0o755)
    nginx = None
    try:
        nginx = Nginx(folder, central.port)
        yield central, nginx.start()
    finally:
        if nginx is not None:
            nginx.stop()
        shutil.rmtree(folder, ignore_errors=True)


def add_staff(central, user: str) -> None:
    done = subprocess.run(central_command("add-staff", user, "--password-stdin", "--config", str(central.config_path)),
                          input=PASSWORD + "\n", capture_output=True, text=True, timeout=60, cwd=PROJECT)
    assert done.returncode == 0, done.stderr


def login_csrf(session: requests.Session, url: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', session.get(url + "/staff/login").text).group(1)


def cookie_named(response: requests.Response, name: str) -> str:
    cookies = response.raw.headers.getlist("set-cookie")
    found = [cookie for cookie in cookies if cookie.startswith(name + "=")]
    assert found, f"no {name} cookie in {cookies}"
    return found[0]


def test_a_kiosk_pushes_and_reads_its_sync_state_through_https(proxied):
    central, nginx = proxied
    token = central.add_kiosk("kiosk-01")
    items = records(5)
    with nginx.session() as session:
        answer = push(Through(nginx.https), token, items, session=session)
        assert set(outcomes(answer).values()) == {("accepted", None)}
        assert answer.headers["strict-transport-security"] == "max-age=31536000"
        assert answer.headers["server"] == "nginx"  # no version told
        again = push(Through(nginx.https), token, items, session=session)
        assert {outcome for outcome, _code in outcomes(again).values()} == {"duplicate"}
        state = session.get(nginx.https + SYNC_STATE_PATH, headers=Through.auth(token), timeout=30)
    assert state.status_code == 200 and state.json()["stores"][0]["contiguous_seq"] == 5


def test_a_batch_of_nearly_2_mib_passes_and_a_larger_one_gets_the_centrals_own_answer(proxied):
    central, nginx = proxied
    token = central.add_kiosk("kiosk-01")
    store = records(1)[0]["store_id"]
    ideas, body = [], b""
    while True:  # ideas of 4,000 characters until the next would pass the limit
        idea = record("kiosk-01", store, len(ideas) + 1, kind="idea", poll_id=None, question_version=None,
                      payload={"text": "Mehr Bänke am Markt. " * 190, "layer": "de"})
        grown = json.dumps(batch([*ideas, idea])).encode()
        if len(grown) > MAX_BATCH_BYTES:
            break
        ideas, body = [*ideas, idea], grown
    assert len(body) > MAX_BATCH_BYTES - 20_000
    headers = {"Content-Type": "application/json", **Through.auth(token)}
    with nginx.session() as session:
        answer = session.post(nginx.https + RECORDS_PATH, data=body, headers=headers, timeout=60)
        assert answer.status_code == 200, answer.text
        assert {outcome for outcome, _code in outcomes(answer).values()} == {"accepted"} and len(ideas) > 200
        # Over the API's limit but under nginx's: the central says why, in the words a kiosk reads.
        over = session.post(nginx.https + RECORDS_PATH, data=b" " * (3 * 1024 * 1024), headers=headers, timeout=60)
    assert over.status_code == 413 and over.json()["error"]["code"] == "too_large"


def test_http_is_sent_on_to_https_but_for_lets_encrypts_challenge(proxied):
    _central, nginx = proxied
    answer = requests.get(nginx.http + "/staff/login?next=1", allow_redirects=False, timeout=30)
    assert answer.status_code == 301 and answer.headers["location"] == "https://127.0.0.1/staff/login?next=1"
    challenge = nginx.webroot / ".well-known" / "acme-challenge" / "t0ken"
    challenge.parent.mkdir(parents=True)
    challenge.write_text("t0ken.key")
    challenge.chmod(0o644)
    for folder in (challenge.parent, challenge.parent.parent, nginx.webroot):
        folder.chmod(0o755)
    answer = requests.get(nginx.http + "/.well-known/acme-challenge/t0ken", allow_redirects=False, timeout=30)
    assert answer.status_code == 200 and answer.text == "t0ken.key"


def test_behind_tls_the_staff_and_phone_cookies_are_secure(proxied):
    central, nginx = proxied
    add_staff(central, "anna")
    with nginx.session() as browser:
        csrf = login_csrf(browser, nginx.https)
        answer = browser.post(nginx.https + "/staff/login", data={"user": "anna", "password": PASSWORD, "csrf": csrf},
                              allow_redirects=False, timeout=60)
        assert answer.status_code == 303 and answer.headers["location"] == "/staff/"
        cookie = cookie_named(answer, "stadtlabor_staff")
        assert "; Secure" in cookie and "; HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
        page = browser.get(nginx.https + "/staff/", timeout=30)
        assert page.status_code == 200 and "<h1>Kioske</h1>" in page.text
        phone = browser.get(nginx.https + "/m/open-data", params={"lang": "de"}, timeout=30)
    assert phone.status_code == 200
    csrf_cookie = phone.raw.headers.getlist("set-cookie")
    assert csrf_cookie and all("; Secure" in c and "; HttpOnly" in c for c in csrf_cookie), csrf_cookie
    # The same central asked directly over http: no Secure (else a browser would drop the cookie).
    direct = requests.get(central.url + "/staff/login", timeout=30)
    assert "Secure" not in direct.headers["set-cookie"]


def test_the_central_counts_the_visitors_address_not_the_proxys(proxied):
    _central, nginx = proxied
    # 30 logins a minute per address (central/dashboard/pages.py). All connections reach the
    # central from nginx at 127.0.0.1; only X-Forwarded-For tells the visitors apart. A visitor's
    # own X-Forwarded-For is dropped by the example, so a new made-up address each time helps not.
    with nginx.session("127.0.0.2") as visitor:
        csrf = login_csrf(visitor, nginx.https)
        codes = [visitor.post(nginx.https + "/staff/login", data={"user": "nobody", "password": "x" * 12, "csrf": csrf},
                              headers={"X-Forwarded-For": f"10.9.8.{n}"}, allow_redirects=False, timeout=60).status_code
                 for n in range(31)]
    assert codes == [401] * 30 + [429]
    with nginx.session("127.0.0.3") as other:
        csrf = login_csrf(other, nginx.https)
        answer = other.post(nginx.https + "/staff/login", data={"user": "nobody", "password": "x" * 12, "csrf": csrf},
                            allow_redirects=False, timeout=60)
    assert answer.status_code == 401  # another visitor is not held up by the first
    access = (nginx.folder / "access.log").read_text()
    assert "127.0.0.2 " in access and "127.0.0.3 " in access


def test_the_example_fits_debians_own_nginx_conf(tmp_path):
    """As installed: included from the http block of Debian's /etc/nginx/nginx.conf, beside its
    own ssl and gzip defaults (only the include, the pid and the logs' folder swapped)."""
    debian = Path("/etc/nginx/nginx.conf").read_text(encoding="utf-8")
    cert, key = self_signed(tmp_path)
    site = tmp_path / "site.conf"
    site.write_text(site_config(free_port(), free_port(), free_port(), cert, key, tmp_path), encoding="utf-8")
    assert debian.count("include /etc/nginx/sites-enabled/*;") == 1
    conf = (debian.replace("include /etc/nginx/sites-enabled/*;", f"include {site};")
            .replace("/var/log/nginx/", f"{tmp_path}/").replace("/run/nginx.pid", str(tmp_path / "nginx.pid")))
    (tmp_path / "nginx.conf").write_text(conf, encoding="utf-8")
    done = subprocess.run([nginx_binary(), "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "test is successful" in done.stderr, done.stderr


@pytest.mark.parametrize("trusted, secure", [("127.0.0.1", True), ("", False), ("10.0.0.0/8", False)])
def test_only_a_trusted_proxy_is_believed(central_with, trusted, secure):
    central = central_with(trusted_proxies=trusted)
    answer = requests.get(central.url + "/staff/login", headers={"X-Forwarded-Proto": "https"}, timeout=30)
    assert answer.status_code == 200 and ("Secure" in answer.headers["set-cookie"]) is secure
