"""deploy/nginx.conf in front of a real amphi: the shipped file, with only its ports and paths
substituted (TLS with a certificate made here by openssl, on 127.0.0.1), serves a page, passes
the signaling WebSocket upgrade (a join gets `welcome`), redirects plain HTTP to HTTPS and hides
/metrics. Also `systemd-analyze verify deploy/amphi.service`. nginx and openssl must be
installed (scripts/install-deps): the test fails without them."""
import asyncio
import json
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import websockets

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "aiortc"))
from amphi import BIN, Amphi  # noqa: E402  (the shared launcher of the Python tests)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def substitute(text, old, new):
    """Replaces `old`, which must appear exactly once: the shipped file is used as it is."""
    assert text.count(old) == 1, f"deploy/nginx.conf should contain {old!r} once"
    return text.replace(old, new)


class Nginx:
    def __init__(self, upstream_port):
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        assert Path(nginx).exists(), "nginx is not installed (scripts/install-deps)"
        self.dir = Path(tempfile.mkdtemp(prefix="amphi-nginx-"))
        self.dir.chmod(0o755)  # nginx's workers (nobody) read and write their temp folders
        cert, key = self.dir / "cert.pem", self.dir / "key.pem"
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                        "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                       check=True, capture_output=True)
        self.https_port, self.http_port = free_port(), free_port()
        site = (ROOT / "deploy" / "nginx.conf").read_text()
        site = substitute(site, "server 127.0.0.1:8080;", f"server 127.0.0.1:{upstream_port};")
        site = substitute(site, "listen 443 ssl http2;", f"listen 127.0.0.1:{self.https_port} ssl http2;")
        site = substitute(site, "listen 80;", f"listen 127.0.0.1:{self.http_port};")
        site = substitute(site, "/etc/letsencrypt/live/meet.example.org/fullchain.pem", str(cert))
        site = substitute(site, "/etc/letsencrypt/live/meet.example.org/privkey.pem", str(key))
        (self.dir / "amphi.conf").write_text(site)
        d = self.dir
        (d / "main.conf").write_text(f"""
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log info;
events {{ worker_connections 64; }}
http {{
    access_log {d}/access.log;
    client_body_temp_path {d}/body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    include {d}/amphi.conf;
}}
""")
        check = subprocess.run([nginx, "-t", "-p", str(d), "-c", str(d / "main.conf")],
                               capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
        self.proc = subprocess.Popen([nginx, "-p", str(d), "-c", str(d / "main.conf"), "-g", "daemon off;"],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.time() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.https_port), timeout=1).close()
                break
            except OSError:
                assert self.proc.poll() is None, self.logs()
                assert time.time() < deadline, "nginx did not start\n" + self.logs()
                time.sleep(0.1)

    def logs(self):
        p = self.dir / "error.log"
        return p.read_text() if p.exists() else ""

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(5)
        shutil.rmtree(self.dir, ignore_errors=True)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def get(url, context=None):
    """(status, headers, body) without following redirects."""
    opener = urllib.request.build_opener(NoRedirect, urllib.request.HTTPSHandler(context=context))
    try:
        with opener.open(url, timeout=10) as r:
            return r.status, r.headers, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()


def test_nginx_serves_pages_and_passes_the_websocket():
    server = Amphi()
    nginx = None
    try:
        room_url = server.add_room("Proxy check", "owner@example.org")
        slug = room_url.rsplit("/", 1)[1]
        upstream_port = int(server.url.rsplit(":", 1)[1])
        nginx = Nginx(upstream_port)
        tls = ssl.create_default_context()
        tls.check_hostname = False
        tls.verify_mode = ssl.CERT_NONE
        base = f"https://127.0.0.1:{nginx.https_port}"

        # A page through TLS.
        status, headers, body = get(f"{base}/r/{slug}", tls)
        assert status == 200, body
        assert "Proxy check" in body and "<html" in body
        assert headers["Content-Security-Policy"]
        status, _, body = get(f"{base}/signin", tls)
        assert status == 200 and "<form" in body
        # Plain HTTP goes to HTTPS; /metrics is not public (but served to the server's own port).
        status, headers, _ = get(f"http://127.0.0.1:{nginx.http_port}/r/{slug}")
        assert status == 301 and headers["Location"].startswith("https://"), headers
        assert get(f"{base}/metrics", tls)[0] == 404
        assert get(f"{server.url}/metrics")[0] == 200

        # The signaling WebSocket through the proxy: join, welcome, a ping answered.
        async def join():
            async with websockets.connect(f"wss://127.0.0.1:{nginx.https_port}/r/{slug}/ws", ssl=tls,
                                          open_timeout=10) as ws:
                await ws.send(json.dumps({"type": "join", "version": 1, "name": "Via nginx",
                                          "resume_token": None}))
                welcome = json.loads(await asyncio.wait_for(ws.recv(), 10))
                assert welcome["type"] == "welcome", welcome
                return welcome

        welcome = asyncio.run(join())
        assert welcome["participant_id"], welcome
        assert any(f"joined room={slug} participant={welcome['participant_id']}" in line
                   for line in server.lines), "the server logged the join"
        # nginx logged the upgrade (101) and the page (200).
        access = (nginx.dir / "access.log").read_text()
        assert f'"GET /r/{slug}/ws HTTP/1.1" 101' in access, access
    except Exception:
        print("\n".join(server.lines[-40:]))
        if nginx:
            print(nginx.logs())
        raise
    finally:
        if nginx:
            nginx.stop()
        server.stop()


def test_the_systemd_unit_verifies():
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        import pytest
        pytest.skip("systemd-analyze is not available on this machine")
    unit = (ROOT / "deploy" / "amphi.service").read_text()
    unit = substitute(unit, "ExecStart=/usr/local/bin/amphi", f"ExecStart={BIN}")
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "amphi.service"
        path.write_text(unit)
        r = subprocess.run([analyze, "verify", str(path)], capture_output=True, text=True)
        assert r.returncode == 0 and not (r.stdout + r.stderr).strip(), r.stdout + r.stderr
