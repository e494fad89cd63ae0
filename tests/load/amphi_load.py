#!/usr/bin/env python3
"""Load tool: N publishers x M subscribers in one room of a real `amphi` server, on loopback.

Publishers send pre-encoded VP8 + Opus (cheap); subscribers receive everything without decoding.
Everyone speaks docs/protocol.md through tests/aiortc/peer.py. Reports, over a steady window:
server CPU time per forwarded packet, packets forwarded per second, loss, join time to first
video frame, and server memory per participant. Prints one JSON object (and a table on stderr).

  .venv/bin/python tests/load/amphi_load.py --publishers 10 --subscribers 10 --duration 20

Publishers are send-only and every subscriber receives every publisher, so a run forwards
N x M video tracks and N x M audio tracks. The peers' own CPU is reported too
(load_generator_cores): when it nears the machine's cores, the generator is the limit, not
the server. Peers run in --workers processes, since one asyncio process saturates at
about one core.
"""
import argparse
import asyncio
import json
import multiprocessing as mp
import os
import sys
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "aiortc")]

from amphi import Amphi  # noqa: E402  (tests/aiortc/amphi.py: starts the real binary)
from media import ReplayedAudio, ReplayedVideo, encode_opus, encode_vp8  # noqa: E402
import load_peer  # noqa: E402
from bench import cpu_seconds, own_cpu_seconds, rss_bytes, split, wait_phase  # noqa: E402

def sfu_counters(base_url):
    """The SFU's own counters from /metrics: what it forwarded and what it dropped, and why."""
    wanted = {}
    for line in urllib.request.urlopen(base_url + "/metrics", timeout=10).read().decode().splitlines():
        if line.startswith(("amphi_sfu_packets_forwarded_total", "amphi_sfu_dropped_packets_total")):
            name, value = line.rsplit(" ", 1)
            wanted[name] = float(value)
    return wanted


def worker(index, role, count, ws_url, phase, results):
    """One process: `count` peers of one role. Reports per-peer figures through `results`."""
    load_peer.force_loopback()
    load_peer.skip_decoding()
    asyncio.run(run_worker(index, role, count, ws_url, phase, results))


async def run_worker(index, role, count, ws_url, phase, results):
    video = audio = None
    if role == "publisher":
        video, audio = encode_vp8(), encode_opus()
    peers = []
    for n in range(count):
        peer = load_peer.LoadPeer(ws_url, f"{role}-{index}-{n}", receive=(role == "subscriber"))
        started = time.time()
        await peer.join()
        if role == "publisher":
            await peer.publish([("microphone", ReplayedAudio(audio)), ("camera", ReplayedVideo(video))])
        peers.append((peer, started))
        await asyncio.sleep(0.05)  # joins in a gentle stream, as people arrive
    results.put(("joined", index, count))

    await wait_phase(phase, "measure")
    before = [await peer.counters() for peer, _ in peers]
    cpu_before = own_cpu_seconds()
    await wait_phase(phase, "stop")
    cpu_after = own_cpu_seconds()
    after = [await peer.counters() for peer, _ in peers]
    results.put(("cpu", cpu_after - cpu_before))
    for (peer, started), b, a in zip(peers, before, after):
        results.put(("peer", {
            "role": role,
            "received": a["received"] - b["received"],
            "lost": a["lost"] - b["lost"],
            "first_video_after": (peer.first_video_at - started) if peer.first_video_at else None,
            "video_tracks": peer.video_tracks(),
        }))
    for peer, _ in peers:
        await peer.close()
    results.put(("done", index, 0))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--publishers", type=int, default=1)
    ap.add_argument("--subscribers", type=int, default=10)
    ap.add_argument("--duration", type=float, default=20, help="seconds of steady measurement")
    ap.add_argument("--workers", type=int, default=2, help="processes for the subscribers")
    ap.add_argument("--warmup", type=float, default=4)
    args = ap.parse_args()

    participants = args.publishers + args.subscribers
    # Every peer connects from 127.0.0.1: lift the per-address cap along with the room's.
    server = Amphi(extra_env={"AMPHI_ROOMS_MAX_PARTICIPANTS": str(participants + 10),
                              "AMPHI_ROOMS_MAX_CONNECTIONS_PER_ADDRESS": str(participants + 10),
                              "AMPHI_LOG": os.environ.get("AMPHI_LOG", "warn")})
    try:
        room_url = server.add_room("Load", "load@example.org")
        ws_url = room_url.replace("http://", "ws://") + "/ws"
        pid = server.proc.pid
        rss_idle = rss_bytes(pid)

        phase = mp.Array("c", 16)
        phase.value = b"join"
        results = mp.Queue()
        procs = [mp.Process(target=worker, args=(0, "publisher", args.publishers, ws_url, phase, results))]
        time.sleep(0)  # publishers first: subscribers then measure join-to-first-frame of a live room
        for i, n in enumerate(split(args.subscribers, args.workers)):
            if n:
                procs.append(mp.Process(target=worker, args=(i + 1, "subscriber", n, ws_url, phase, results)))
        procs[0].start()
        joined = 0
        while joined < args.publishers:  # wait for the publishers before starting subscribers
            kind, _, count = results.get(timeout=120)
            joined += count if kind == "joined" else 0
        for p in procs[1:]:
            p.start()
        while joined < participants:
            kind, _, count = results.get(timeout=300)
            joined += count if kind == "joined" else 0

        time.sleep(args.warmup)
        rss_full = rss_bytes(pid)
        sfu0 = sfu_counters(server.url)
        cpu0, t0 = cpu_seconds(pid), time.time()
        phase.value = b"measure"
        time.sleep(args.duration)
        cpu1, t1 = cpu_seconds(pid), time.time()
        sfu1 = sfu_counters(server.url)
        phase.value = b"stop"

        peers, done, generator_cpu = [], 0, 0.0
        while done < len(procs):
            kind, *rest = results.get(timeout=120)
            if kind == "peer":
                peers.append(rest[0])
            elif kind == "cpu":
                generator_cpu += rest[0]
            elif kind == "done":
                done += 1
        for p in procs:
            p.join(10)
    finally:
        server.stop()

    subs = [p for p in peers if p["role"] == "subscriber"]
    forwarded = sum(p["received"] for p in subs)
    lost = sum(p["lost"] for p in subs)
    joins = sorted(p["first_video_after"] for p in subs if p["first_video_after"] is not None)
    cpu = cpu1 - cpu0
    sent = sfu1.get("amphi_sfu_packets_forwarded_total", 0) - sfu0.get("amphi_sfu_packets_forwarded_total", 0)
    report = {
        "publishers": args.publishers,
        "subscribers": args.subscribers,
        "window_s": round(t1 - t0, 2),
        "server_cpu_s": round(cpu, 3),
        "server_cpu_cores": round(cpu / (t1 - t0), 3),
        "packets_received": forwarded,
        "packets_per_s": round(forwarded / (t1 - t0)),
        # Per packet the SFU sent (its own counter); received counts can be lower when the peers
        # cannot keep up, which is their loss, not the server's work.
        "cpu_us_per_packet": round(cpu / sent * 1e6, 2) if sent else None,
        "loss_pct": round(100 * lost / (forwarded + lost), 3) if forwarded + lost else None,
        # The SFU's view over the same window: what it sent, and what it dropped (by reason).
        # Loss the subscribers see beyond the SFU's drops happened in the kernel or the peers.
        "sfu_sent_per_s": round(sent / (t1 - t0)),
        "sfu_dropped": {k.split('"')[1]: round(sfu1[k] - sfu0.get(k, 0)) for k in sfu1 if "reason=" in k},
        "subscribers_with_all_video": sum(1 for p in subs if p["video_tracks"] >= args.publishers),
        "video_tracks_per_subscriber": sorted({p["video_tracks"] for p in subs}),
        "join_to_first_frame_ms": {
            "median": round(1000 * joins[len(joins) // 2]) if joins else None,
            "p95": round(1000 * joins[int(len(joins) * 0.95) - 1]) if joins else None,
            "max": round(1000 * joins[-1]) if joins else None,
        },
        "server_rss_mb": {"idle": round(rss_idle / 2**20, 1), "loaded": round(rss_full / 2**20, 1)},
        "rss_kb_per_participant": round((rss_full - rss_idle) / participants / 1024),
        "load_generator_cores": round(generator_cpu / (t1 - t0), 2),
    }
    print(json.dumps(report))
    for key, value in report.items():
        print(f"{key:>28}: {value}", file=sys.stderr)
    return 0 if forwarded else 1


if __name__ == "__main__":
    sys.exit(main())
