"""Property-based run of schemathesis against the real `amphi` binary (issue 10, O5).

The server starts on port 0 with a fresh SQLite database; an administrator signs in to the back
office and creates a write token on /account/tokens (the real page), then makes some data
through the API. schemathesis reads /api/v1/openapi.json and sends generated requests (valid
and invalid) to every operation. The run must find no 5xx and no response that breaks the
document (status codes, content types, headers, schemas), and every operation must refuse a
missing token (401).

Needs schemathesis (tests/requirements.txt, installed in .venv by scripts/install-deps): a
missing tool fails the test, it never skips.
"""
import html
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "aiortc"))
from amphi import Amphi  # noqa: E402  (the shared launcher of the Python tests)

ST = Path(sys.executable).parent / "st"
PASSWORD = "correct horse battery staple"
CHECKS = ",".join([
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "ignored_auth",
    "unsupported_method",
])
# Enough cases per operation to find what breaks, few enough that the run stays near a minute.
MAX_EXAMPLES = int(os.environ.get("AMPHI_ST_MAX_EXAMPLES", "40"))


def hidden(page, name):
    m = re.search(r'name="%s" value="([^"]*)"' % re.escape(name), page)
    assert m, f"no hidden field {name}"
    return html.unescape(m.group(1))


def write_token(base):
    """Signs in as the administrator and creates a write token on the back office page."""
    s = requests.Session()
    page = s.get(f"{base}/signin").text
    r = s.post(f"{base}/signin", allow_redirects=False,
               data={"email": "admin@example.org", "password": PASSWORD, "csrf": hidden(page, "csrf")})
    assert r.status_code == 303, r.text
    page = s.get(f"{base}/account/tokens").text
    r = s.post(f"{base}/account/tokens", data={"name": "schemathesis", "scope": "write",
                                               "csrf": hidden(page, "csrf")})
    assert r.status_code == 201, r.text
    m = re.search(r'id="new-token" type="text" readonly value="([^"]+)"', r.text)
    assert m, "the new token is shown"
    return m.group(1)


def test_schemathesis_finds_no_server_error_and_no_schema_violation(tmp_path):
    assert ST.exists(), f"schemathesis is not installed at {ST}: run scripts/install-deps"
    amphi = Amphi()
    try:
        amphi.cli("user", "add", "admin@example.org", "--admin", "--password-stdin", stdin=PASSWORD + "\n")
        amphi.cli("user", "add", "bob@example.org", "--password-stdin", stdin=PASSWORD + "\n")
        base = amphi.url
        token = write_token(base)
        api = requests.Session()
        api.headers["Authorization"] = f"Bearer {token}"
        for body in ({"name": "Weekly sync"}, {"name": "Board", "waiting_room": True, "max_participants": 10}):
            r = api.post(f"{base}/api/v1/rooms", json=body)
            assert r.status_code == 201, r.text
        assert api.post(f"{base}/api/v1/rooms/weekly-sync/open").status_code == 200
        # A session (and a staff member) for the sessions operations to find.
        r = api.post(f"{base}/api/v1/sessions", json={
            "title": "Keynote", "room": "weekly-sync", "time_zone": "Europe/Paris",
            "starts_at": "2026-11-21T14:30:00+01:00", "ends_at": "2026-11-21T15:30:00+01:00"})
        assert r.status_code == 201, r.text
        r = api.put(f"{base}/api/v1/sessions/keynote/staff/bob@example.org", json={"role": "moderator"})
        assert r.status_code == 200, r.text

        started = time.time()
        run = subprocess.run(
            [str(ST), "run", f"{base}/api/v1/openapi.json", "--url", base,
             "-H", f"Authorization: Bearer {token}",
             "--checks", CHECKS,
             "--phases", "examples,coverage,fuzzing",
             "--max-examples", str(MAX_EXAMPLES),
             "--seed", "1010",
             "--workers", "2",
             "--request-timeout", "10",
             "--max-time", "90",
             "--suppress-health-check", "all",
             "--report", "junit", "--report-dir", str(tmp_path)],
            capture_output=True, text=True, timeout=420, cwd=tmp_path)
        took = time.time() - started
        output = run.stdout + run.stderr
        print(output)
        print(f"schemathesis took {took:.0f} s")
        assert run.returncode == 0, "schemathesis found problems:\n" + output[-20000:]
        # It really ran: every operation of the document was exercised.
        assert re.search(r"\b\d+ passed\b|passed", output), output[-3000:]
    finally:
        amphi.stop()
