"""Starts the real `amphi` binary for a Python test (port 0, its own data folder), as tests/lib/amphi.js does."""
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Where cargo put it: $CARGO_TARGET_DIR when set (relative to the repository), else ./target.
TARGET = ROOT / os.environ.get("CARGO_TARGET_DIR", "target")
BIN = Path(os.environ.get("AMPHI_BIN", TARGET / "debug" / "amphi"))


class Amphi:
    def __init__(self, extra_env=None, timeout=30):
        if not BIN.exists():
            raise RuntimeError(f"amphi binary not found at {BIN}: run cargo build -p amphi-server")
        self.data_dir = tempfile.mkdtemp(prefix="amphi-data-")
        self.env = {
            **os.environ,
            "AMPHI_HTTP_LISTEN": "127.0.0.1:0",
            "AMPHI_DATA_DIR": self.data_dir,
            "AMPHI_MEDIA_BIND_IP": "127.0.0.1",
            "AMPHI_MEDIA_ANNOUNCED_IPS": "127.0.0.1",
            **(extra_env or {}),
        }
        self.env.pop("DATABASE_URL", None)
        self.lines = []
        self.proc = subprocess.Popen([str(BIN), "serve"], env=self.env, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
        self.url = None
        ready = threading.Event()

        def pump():
            for line in self.proc.stdout:
                self.lines.append(line.rstrip("\n"))
                m = re.match(r"^amphi: listening on (\S+)", line)
                if m:
                    self.url = m.group(1)
                    ready.set()

        threading.Thread(target=pump, daemon=True).start()
        deadline = time.time() + timeout
        while not ready.wait(0.1):
            if self.proc.poll() is not None or time.time() > deadline:
                self.stop()
                raise RuntimeError("amphi did not start:\n" + "\n".join(self.lines))

    def cli(self, *args, stdin=None):
        r = subprocess.run([str(BIN), *args], env=self.env, input=stdin, capture_output=True, text=True, timeout=30)
        if r.returncode != 0:
            raise RuntimeError(f"amphi {' '.join(args)} failed: {r.stdout}{r.stderr}")
        return r.stdout.strip()

    def add_room(self, name, owner_email, password="correct horse battery staple"):
        """Creates an owner and an open room with the CLI; returns the room's URL on this server."""
        self.cli("user", "add", owner_email, "--password-stdin", stdin=password + "\n")
        out = self.cli("room", "add", name, "--owner", owner_email)
        m = re.search(r"https?://\S+/r/([a-z0-9-]+)", out)
        if not m:
            raise RuntimeError(f"amphi room add printed no room URL: {out}")
        # Rooms are closed when created: open it, as an owner would before the meeting.
        self.cli("room", "open", m.group(1))
        return f"{self.url}/r/{m.group(1)}"

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        shutil.rmtree(self.data_dir, ignore_errors=True)
