"""The webinar scene of the audience benchmark: a session held in a room, its moderator signed in
over HTTP, and the moderator's stage peer (publishes, puts itself on the stage, starts the live)
on `/s/{slug}/ws`, as docs/protocol.md (Webinars) describes it.

The session row is written into the server's SQLite file, as tests/lib/webinar.js does (the
server reads sessions from the store on every request); users and the room come from the CLI."""
import asyncio
import json
import re
import sqlite3
import time
from pathlib import Path

import websockets

import bench
import load_peer

PASSWORD = "correct horse battery staple"
OWNER = "owner@example.org"
MODERATOR = "moderator@example.org"
SLUG = "load-webinar"


def create_session(server, slug=SLUG):
    """Users (room owner, moderator) by the CLI, a room, and a published session whose named
    moderator is MODERATOR. Returns the session's attendee socket URL."""
    for email in (OWNER, MODERATOR):
        server.cli("user", "add", email, "--password-stdin", stdin=PASSWORD + "\n")
    out = server.cli("room", "add", "Webinar room", "--owner", OWNER)
    m = re.search(r"https?://\S+/r/([a-z0-9-]+)", out)
    if not m:
        raise RuntimeError(f"amphi room add printed no room URL: {out}")
    now = int(time.time() * 1000)
    session_id = f"ses-{slug}"
    db = sqlite3.connect(Path(server.data_dir) / "amphi.db", timeout=5)
    with db:
        cur = db.execute(
            "INSERT INTO sessions (id, slug, room_id, title, description, starts_at, ends_at, time_zone,"
            " status, live_state, created_by, created_at, updated_at)"
            " SELECT ?, ?, id, 'Load test', '', ?, ?, 'UTC', 'published', 'not_started', owner_id, ?, ?"
            " FROM rooms WHERE slug = ?",
            (session_id, slug, now, now + 3_600_000, now, now, m.group(1)))
        if cur.rowcount != 1:
            raise RuntimeError("the session row was not written (unknown room?)")
        db.execute("INSERT INTO session_staff (session_id, email, role, added_at) VALUES (?, ?, 'moderator', ?)",
                   (session_id, MODERATOR, now))
    db.close()
    return server.url.replace("http://", "ws://") + f"/s/{slug}/ws"


def sign_in(base_url, email=MODERATOR, password=PASSWORD):
    """Signs the session's moderator in; returns the `Cookie` header value carrying the Login."""
    return bench.sign_in(base_url, email, password)


class StagePeer(load_peer.LoadPeer):
    """The moderator: joins with the Login cookie, publishes, stages itself, starts the live."""

    def __init__(self, ws_url, name, cookie):
        super().__init__(ws_url, name, receive=False)
        self.cookie = cookie

    async def join(self):
        # Peer.join without the cookie would make us an attendee: same steps, with the header.
        self.ws = await websockets.connect(self.ws_url, additional_headers={"Cookie": self.cookie})
        await self._send({"type": "join", "version": 1, "name": self.name, "resume_token": None})
        msg = json.loads(await self.ws.recv())
        if msg["type"] != "welcome":
            raise RuntimeError(f"join refused: {msg}")
        if msg.get("role") not in ("moderator", "owner", "manager"):
            raise RuntimeError(f"the stage joined as {msg.get('role')}, not as a moderator")
        self.welcome = msg
        self._reader = asyncio.ensure_future(self._read())
        return msg

    async def _event(self, predicate, what, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            for e in self.events:
                if e.get("type") == "error":
                    raise RuntimeError(f"{what}: server error {e}")
                if predicate(e):
                    return e
            await asyncio.sleep(0.05)
        raise RuntimeError(f"{what}: nothing after {timeout} s (events: {[e.get('type') for e in self.events]})")

    async def go_live(self):
        me = self.welcome["participant_id"]
        await self._send({"type": "set_stage", "stage": {"layout": "speaker", "members": [me], "content": None}})
        await self._event(lambda e: e.get("type") == "stage_updated"
                          and any(m.get("participant_id") == me for m in e["stage"]["members"]), "set_stage")
        await self._send({"type": "start_live"})
        await self._event(lambda e: e.get("type") == "live_updated" and e["live"]["state"] == "live", "start_live")
