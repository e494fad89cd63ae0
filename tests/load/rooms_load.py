#!/usr/bin/env python3
"""Load tool for the signaling of organised rooms (issue 4): N guests knock at a room with the
waiting room on, the owner admits them all at once, then everyone chats. No media: this
measures the room actor, not the SFU (tests/load/amphi_load.py does that).

  .venv/bin/python tests/load/rooms_load.py --participants 50 --messages 5

Reports (one JSON object on stdout, a summary on stderr):
- knocks_ms: from the guests' first `join` to the owner holding all N knocks;
- admit_all_ms: from the owner's one `admit` (every id) to the last guest's `welcome`;
- chat: every guest sends M messages (the per-person limit allows a burst of 5); each of the
  N+1 people must receive all N×M; delivery latency p50/p99/max, and the server's CPU time per
  delivered message.
The server is the real binary (tests/aiortc/amphi.py), on loopback, SQLite.
"""
import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from pathlib import Path

import websockets

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent / "aiortc")]

from amphi import Amphi  # noqa: E402
from bench import cpu_seconds, sign_in  # noqa: E402

PASSWORD = "correct horse battery staple"


async def recv_until(ws, kind):
    while True:
        msg = json.loads(await ws.recv())
        if msg["type"] == kind:
            return msg
        if msg["type"] == "error" and msg["code"] != "rate_limited":
            raise RuntimeError(f"error while waiting for {kind}: {msg}")


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


async def run(args):
    n, m = args.participants, args.messages
    server = Amphi(extra_env={
        "AMPHI_ROOMS_MAX_PARTICIPANTS": str(n + 10),
        "AMPHI_ROOMS_MAX_CONNECTIONS_PER_ADDRESS": str(n + 10),
        "AMPHI_LOG": os.environ.get("AMPHI_LOG", "warn"),
    })
    sockets = []
    try:
        room_url = server.add_room("Load rooms", "owner@example.org", PASSWORD)
        ws_url = room_url.replace("http://", "ws://") + "/ws"
        cookie = sign_in(server.url, "owner@example.org", PASSWORD)

        owner = await websockets.connect(ws_url, additional_headers={"Cookie": cookie}, max_size=None)
        sockets.append(owner)
        await owner.send(json.dumps({"type": "join", "version": 1, "name": "Owner"}))
        welcome = await recv_until(owner, "welcome")
        assert welcome["role"] == "owner", welcome["role"]
        await owner.send(json.dumps({"type": "set_waiting_room", "enabled": True}))
        await recv_until(owner, "room_updated")

        guests = [await websockets.connect(ws_url, max_size=None) for _ in range(n)]
        sockets.extend(guests)
        t_knock = time.monotonic()
        await asyncio.gather(*(
            g.send(json.dumps({"type": "join", "version": 1, "name": f"Guest {i}",
                               "client_key": f"load-guest-{i:06d}"}))
            for i, g in enumerate(guests)))
        knocks = []
        while len(knocks) < n:
            knocks.append((await recv_until(owner, "knock_added"))["knock"]["id"])
        knocks_ms = (time.monotonic() - t_knock) * 1000
        for g in guests:
            waiting = await recv_until(g, "waiting")
            assert waiting["reason"] == "knocking", waiting

        t_admit = time.monotonic()
        await owner.send(json.dumps({"type": "admit", "knock_ids": knocks}))

        async def welcomed(g):
            await recv_until(g, "welcome")
            return (time.monotonic() - t_admit) * 1000

        admit_ms = await asyncio.gather(*(welcomed(g) for g in guests))

        people = [owner, *guests]
        expected = n * m
        latencies = []
        sent_at = {}

        async def receive_all(ws):
            got = 0
            while got < expected:
                msg = json.loads(await ws.recv())
                if msg["type"] == "chat_message":
                    text = msg["message"]["text"]
                    if text in sent_at:
                        latencies.append((time.monotonic() - sent_at[text]) * 1000)
                        got += 1
                elif msg["type"] == "error":
                    raise RuntimeError(f"refused during chat: {msg}")
            return got

        async def send_all(i, ws):
            for k in range(m):
                text = f"message {k} from guest {i}"
                sent_at[text] = time.monotonic()
                await ws.send(json.dumps({"type": "chat_send", "text": text}))

        cpu0, t_chat = cpu_seconds(server.proc.pid), time.monotonic()
        receivers = [asyncio.create_task(receive_all(ws)) for ws in people]
        await asyncio.gather(*(send_all(i, g) for i, g in enumerate(guests)))
        received = await asyncio.wait_for(asyncio.gather(*receivers), timeout=120)
        chat_seconds = time.monotonic() - t_chat
        cpu = cpu_seconds(server.proc.pid) - cpu0
        delivered = sum(received)
        result = {
            "participants": n + 1,
            "messages_sent": expected,
            "knocks_ms": round(knocks_ms, 1),
            "admit_all_ms": {"p50": round(statistics.median(admit_ms), 1),
                             "max": round(max(admit_ms), 1)},
            "chat": {
                "delivered": delivered,
                "expected": expected * len(people),
                "seconds": round(chat_seconds, 2),
                "latency_ms": {"p50": round(percentile(latencies, 50), 1),
                               "p99": round(percentile(latencies, 99), 1),
                               "max": round(max(latencies), 1)},
                "server_cpu_us_per_delivery": round(cpu / max(delivered, 1) * 1e6, 1),
            },
        }
        print(json.dumps(result))
        print(f"{n} knocks in {knocks_ms:.0f} ms; admit all -> last welcome {max(admit_ms):.0f} ms; "
              f"{delivered}/{expected * len(people)} chat deliveries, p50 {result['chat']['latency_ms']['p50']} ms, "
              f"p99 {result['chat']['latency_ms']['p99']} ms, "
              f"{result['chat']['server_cpu_us_per_delivery']} µs server CPU each", file=sys.stderr)
        if delivered != expected * len(people):
            sys.exit(1)
    finally:
        for ws in sockets:
            await ws.close()
        server.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--participants", type=int, default=50, help="guests knocking (at most 100 wait at once)")
    parser.add_argument("--messages", type=int, default=5, help="chat messages per guest (burst limit: 5)")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
