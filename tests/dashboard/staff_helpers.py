"""Staff users and logins for the dashboard's tests, through the real command line and pages."""

from __future__ import annotations

import re
import subprocess

import requests

from central_server import central_command

PASSWORD = "correct horse battery staple"


def add_staff(central, user: str, password: str = PASSWORD, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(central_command("add-staff", user, "--password-stdin", "--config", str(central.config_path),
                                          *extra), input=password + "\n", capture_output=True, text=True, timeout=60)


def login_csrf(session: requests.Session, central) -> str:
    page = session.get(central.url + "/staff/login").text
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def log_in(session: requests.Session, central, user: str, password: str = PASSWORD) -> requests.Response:
    return session.post(central.url + "/staff/login", data={"user": user, "password": password,
                                                            "csrf": login_csrf(session, central)},
                        allow_redirects=False)
