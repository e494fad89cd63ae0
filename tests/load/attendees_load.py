#!/usr/bin/env python3
"""Audience benchmark (issue 5, W7): one stage (1 video + 1 audio, pre-encoded VP8 640x360
600 kb/s 30 fps + Opus 20 ms, sent by an aiortc publisher) and N attendees that only receive,
against the real `amphi` binary (build it with `cargo build --release -p amphi-server`).

  .venv/bin/python tests/load/attendees_load.py --attendees 100 200 --workers 4 --duration 20

Attendees are aiortc subscribers that do not decode (tests/load/attendee_peer.py: one peer
connection each, RTP counted per track, loss from sequence numbers after NACK repair). They run
in --workers processes (one asyncio process saturates near one core) on the same machine as the
server, so their CPU is reported too: when it nears the cores left, the generator is the limit.

Where attendees join: `--mode webinar` (the default) creates a published session (its own
moderator, signed in over HTTP: tests/load/webinar_stage.py); the moderator's stage peer joins
`/s/{slug}/ws` with its Login cookie, publishes, puts itself on the stage (`set_stage`) and
starts the live (`start_live`); then the N attendees join `/s/{slug}/ws` anonymously: each gets
a viewer (one peer connection, one port). `--mode room` instead joins a room whose participants
do not publish (the server then still builds a publisher leg per participant that never
connects: a port and some memory, no CPU per packet).

For each N (a fresh server each time), over a steady --duration window after every attendee
received video: server CPU from /proc (cores, and ms of CPU per second per attendee), packets
per second, loss per attendee, join time (WebSocket connect to first video packet), server
memory per attendee (RSS), the SFU's own drop counters, the load generator's CPU, and the
server's CPU per thread name (/proc/<pid>/task: which of the runtime, the publisher reactor or
the viewers' legs takes it). Delivered share: per attendee, its unique packets per second over
the packets per second the stage sent (its RTCP sender statistics) (loss by sequence number cannot
see packets the SFU never sent: a subscription's numbering stays contiguous). Prints one JSON
object per N on stdout, a table on stderr.
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
import attendee_peer  # noqa: E402
import load_peer  # noqa: E402
import webinar_stage  # noqa: E402
from bench import cpu_seconds, own_cpu_seconds, rss_bytes, split, stat_cpu_seconds, wait_phase  # noqa: E402

# Each attendee takes two ports in a room (one in a webinar): the bench's own range.
PORT_MIN, PORT_MAX = 20000, 29999


def proc_threads(pid):
    return len(os.listdir(f"/proc/{pid}/task"))


def thread_cpu_seconds(pid):
    """{thread name: (threads, CPU seconds)} of a process, from /proc/<pid>/task/*/stat."""
    out = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            text = (task / "stat").read_text()
        except OSError:
            continue  # the thread ended meanwhile
        name = text[text.index("(") + 1:text.rindex(")")]
        count, cpu = out.get(name, (0, 0.0))
        out[name] = (count + 1, cpu + stat_cpu_seconds(text))
    return out


def udp_rcvbuf_errors():
    """Datagrams the kernel dropped for a full socket receive buffer (whole machine)."""
    lines = [l.split() for l in Path("/proc/net/snmp").read_text().splitlines() if l.startswith("Udp:")]
    return int(lines[1][lines[0].index("RcvbufErrors")])


def sfu_metrics(base_url):
    out = {}
    for line in urllib.request.urlopen(base_url + "/metrics", timeout=10).read().decode().splitlines():
        if line.startswith("amphi_sfu_"):
            name, value = line.rsplit(" ", 1)
            out[name] = float(value)
    return out


def publisher_process(ws_url, cookie, ready, stop, sent_at):
    # The stage must not be starved by the attendees it feeds (they share the machine): when
    # allowed (root), it runs at a higher priority than they do.
    try:
        os.nice(-5)
    except OSError:
        pass
    load_peer.force_loopback()
    asyncio.run(run_publisher(ws_url, cookie, ready, stop, sent_at))


async def run_publisher(ws_url, cookie, ready, stop, sent_at):
    if cookie is None:  # room mode: an ordinary participant
        peer = load_peer.LoadPeer(ws_url, "stage", receive=False)
    else:  # webinar mode: the session's moderator
        peer = webinar_stage.StagePeer(ws_url, "Stage", cookie)
    await peer.join()
    await peer.publish([("microphone", ReplayedAudio(encode_opus())), ("camera", ReplayedVideo(encode_vp8()))])
    if cookie is not None:
        await peer.go_live()
    ready.set()
    last, at = 0, time.time()
    while not stop.is_set():
        await asyncio.sleep(0.2)
        # What the stage really sent (its RTCP sender statistics), to tell a stage that could
        # not keep up from packets lost on the way to the SFU.
        sent = sum(getattr(s, "packetsSent", 0) for s in (await peer.publisher.getStats()).values()
                   if type(s).__name__ == "RTCOutboundRtpStreamStats")
        now = time.time()
        sent_at[0], sent_at[1] = sent, now  # read by the main process at the window's ends
        if now - at >= 5:
            print(f"stage: sent {(sent - last) / (now - at):.0f} packets/s", file=sys.stderr, flush=True)
            last, at = sent, now
    await peer.close()


def attendee_process(index, count, ws_url, phase, results):
    load_peer.force_loopback()
    attendee_peer.count_without_decoding()
    asyncio.run(run_attendees(index, count, ws_url, phase, results))


async def run_attendees(index, count, ws_url, phase, results):
    peers = []
    for n in range(count):
        peer = attendee_peer.Attendee(ws_url, f"attendee-{index}-{n}")
        try:
            await peer.join()
        except Exception as e:  # refused or failed: counted, the run goes on
            results.put(("join_failed", index, repr(e)))
            continue
        peers.append(peer)
        await asyncio.sleep(0.02)  # a steady stream of arrivals
    results.put(("joined", index, len(peers)))

    await wait_phase(phase, "measure")
    before = [p.snapshot() for p in peers]
    at_before = time.time()
    cpu_before = own_cpu_seconds()
    await wait_phase(phase, "stop")
    cpu_after = own_cpu_seconds()
    after = [p.snapshot() for p in peers]
    # This process's own window: a busy worker takes its snapshots late, so rates use it.
    window = time.time() - at_before
    results.put(("cpu", cpu_after - cpu_before))
    for peer, b, a in zip(peers, before, after):
        received = lost = 0
        tracks = {"audio": 0, "video": 0}
        lost_by_kind = {"audio": 0, "video": 0}
        for ssrc, (kind, unique, max_ext) in a.items():
            _, unique0, max_ext0 = b.get(ssrc, (kind, 0, max_ext - unique))
            got = unique - unique0
            expected = max_ext - max_ext0
            received += got
            lost += max(0, expected - got)
            lost_by_kind[kind] = lost_by_kind.get(kind, 0) + max(0, expected - got)
            tracks[kind] = tracks.get(kind, 0) + (1 if got else 0)
        first = peer.first_video()
        results.put(("peer", {
            "received": received,
            "rate": received / window,
            "lost": lost,
            "lost_by_kind": lost_by_kind,
            "join_s": (first - peer.joined_at) if first else None,
            "tracks": tracks,
        }))
    for peer in peers:
        await peer.close()
    results.put(("done", index, 0))


def pct(values, q):
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * q))]


def run(n, args):
    env = {
        "AMPHI_ROOMS_MAX_PARTICIPANTS": str(n + 10),
        "AMPHI_ROOMS_MAX_CONNECTIONS_PER_ADDRESS": str(n + 10),
        "AMPHI_MEDIA_UDP_PORT_MIN": str(PORT_MIN),
        "AMPHI_MEDIA_UDP_PORT_MAX": str(PORT_MAX),
        "AMPHI_WEBINARS_MAX_ATTENDEES": str(n + 10),
        "AMPHI_LOG": os.environ.get("AMPHI_LOG", "warn"),
    }
    load_before = os.getloadavg()
    server = Amphi(extra_env=env)
    try:
        if args.mode == "webinar":
            ws_url = webinar_stage.create_session(server)
            cookie = webinar_stage.sign_in(server.url)
        else:
            room_url = server.add_room("Stage", "stage@example.org")
            ws_url = room_url.replace("http://", "ws://") + "/ws"
            cookie = None
        pid = server.proc.pid
        rss_idle = rss_bytes(pid)

        ready, stop = mp.Event(), mp.Event()
        sent_at = mp.Array("d", 2)  # the stage's packets sent so far, and when (its own clock)
        publisher = mp.Process(target=publisher_process, args=(ws_url, cookie, ready, stop, sent_at))
        publisher.start()
        if not ready.wait(60):
            raise RuntimeError("the stage publisher did not start")
        time.sleep(1)
        rss_stage = rss_bytes(pid)

        phase = mp.Array("c", 16)
        phase.value = b"join"
        results = mp.Queue()
        workers = [mp.Process(target=attendee_process, args=(i, c, ws_url, phase, results))
                   for i, c in enumerate(split(n, args.workers)) if c]
        t_join = time.time()
        for w in workers:
            w.start()
        joined, failed, reported = 0, [], 0
        while reported < len(workers):
            kind, _, value = results.get(timeout=600)
            if kind == "joined":
                joined += value
                reported += 1
            elif kind == "join_failed":
                failed.append(value)
        join_all_s = time.time() - t_join

        time.sleep(args.warmup)
        rss_full = rss_bytes(pid)
        threads = proc_threads(pid)
        m0 = sfu_metrics(server.url)
        cpu0, t0 = cpu_seconds(pid), time.time()
        drops0 = udp_rcvbuf_errors()
        stage0 = tuple(sent_at)
        threads0 = thread_cpu_seconds(pid)
        gen0 = sum(cpu_seconds(w.pid) for w in workers) + cpu_seconds(publisher.pid)
        phase.value = b"measure"
        time.sleep(args.duration)
        cpu1, t1 = cpu_seconds(pid), time.time()
        drops1 = udp_rcvbuf_errors()
        stage1 = tuple(sent_at)
        threads1 = thread_cpu_seconds(pid)
        gen1 = sum(cpu_seconds(w.pid) for w in workers) + cpu_seconds(publisher.pid)
        m1 = sfu_metrics(server.url)
        phase.value = b"stop"

        peers, done = [], 0
        while done < len(workers):
            kind, *rest = results.get(timeout=300)
            if kind == "peer":
                peers.append(rest[0])
            elif kind == "done":
                done += 1
        stop.set()
        for p in [*workers, publisher]:
            p.join(20)
    finally:
        server.stop()
        if args.server_log:
            Path(args.server_log).write_text("\n".join(server.lines) + "\n")

    window = t1 - t0
    cpu = cpu1 - cpu0
    received = sum(p["received"] for p in peers)
    lost_each = [p["lost"] for p in peers]
    loss_pct_each = [100 * p["lost"] / (p["received"] + p["lost"]) if p["received"] + p["lost"] else 100.0
                     for p in peers]
    joins = [p["join_s"] for p in peers if p["join_s"] is not None]
    stage_in = m1.get("amphi_sfu_packets_received_total", 0) - m0.get("amphi_sfu_packets_received_total", 0)
    # Each attendee's packet rate (over its worker's own window) / the stage's sending rate
    # (over the stage's own samples): two clocks' windows of one steady stream.
    stage_rate = (stage1[0] - stage0[0]) / (stage1[1] - stage0[1]) if stage1[1] > stage0[1] else 0.0
    shares = sorted(min(1.0, p["rate"] / stage_rate) if stage_rate else 0.0 for p in peers)
    by_thread = {name: {"threads": count, "cores": round((cpu_s - threads0.get(name, (0, 0.0))[1]) / window, 3)}
                 for name, (count, cpu_s) in threads1.items()}
    by_thread = dict(sorted(by_thread.items(), key=lambda kv: -kv[1]["cores"]))
    delta = lambda key: round(m1.get(key, 0) - m0.get(key, 0))  # noqa: E731
    dropped = {k.split('"')[1]: delta(k) for k in m1 if k.startswith("amphi_sfu_dropped_packets_total")}
    sent = delta("amphi_sfu_packets_forwarded_total")
    report = {
        "mode": args.mode,
        "attendees": n,
        "joined": joined,
        "join_failures": len(failed),
        "with_video_and_audio": sum(1 for p in peers if p["tracks"]["video"] and p["tracks"]["audio"]),
        "window_s": round(window, 1),
        "server_cpu_cores": round(cpu / window, 3),
        "server_cpu_ms_per_s_per_attendee": round(1000 * cpu / window / max(1, joined), 3),
        "sfu_sent_packets_per_s": round(sent / window),
        # What the stage sent the SFU, and the share of (that x attendees) the SFU forwarded:
        # below 1, some attendees' legs were not connected (see sfu_dropped.not_connected).
        "sfu_in_packets_per_s": round(delta("amphi_sfu_packets_received_total") / window),
        "sfu_delivered_share": round(sent / max(1, delta("amphi_sfu_packets_received_total") * joined), 3),
        "received_packets_per_s": round(received / window),
        "received_packets_per_s_per_attendee": round(received / window / max(1, joined), 1),
        "server_cpu_us_per_packet": round(cpu / sent * 1e6, 2) if sent else None,
        "sfu_dropped": dropped,
        "retransmissions_sent": delta("amphi_sfu_retransmissions_sent_total"),
        # Datagrams the kernel dropped because a socket's receive buffer was full (any process on
        # the machine): when it matches the loss, the receivers did not read their sockets in time.
        "kernel_udp_rcvbuf_drops": drops1 - drops0,
        # The SFU's ingress includes the stage's retransmissions (repairs of its uplink).
        "stage_sent_packets_per_s": round(stage_rate, 1),
        "attendee_delivered_share": {
            "mean": round(sum(shares) / len(shares), 4) if shares else None,
            "min": round(shares[0], 4) if shares else None,
            "below_99pct": sum(1 for x in shares if x < 0.99),
        },
        "loss": {
            "attendees_with_loss": sum(1 for x in lost_each if x),
            "packets_lost": sum(lost_each),
            "audio_packets_lost": sum(p["lost_by_kind"]["audio"] for p in peers),
            "video_packets_lost": sum(p["lost_by_kind"]["video"] for p in peers),
            "max_pct": round(max(loss_pct_each), 3) if loss_pct_each else None,
            "mean_pct": round(sum(loss_pct_each) / len(loss_pct_each), 4) if loss_pct_each else None,
        },
        "join_to_first_video_ms": {
            "median": round(1000 * pct(joins, 0.5)) if joins else None,
            "p95": round(1000 * pct(joins, 0.95)) if joins else None,
            "max": round(1000 * max(joins)) if joins else None,
        },
        "all_joined_s": round(join_all_s, 1),
        "server_rss_mb": {"idle": round(rss_idle / 2**20, 1), "stage": round(rss_stage / 2**20, 1),
                          "loaded": round(rss_full / 2**20, 1)},
        "server_rss_kb_per_attendee": round((rss_full - rss_stage) / max(1, joined) / 1024),
        "server_threads": threads,
        "server_cpu_by_thread": by_thread,
        "load_generator_cores": round((gen1 - gen0) / window, 2),
        "load_avg_before": [round(x, 2) for x in load_before],
    }
    return report


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--attendees", type=int, nargs="+", default=[50])
    ap.add_argument("--workers", type=int, default=4, help="attendee processes")
    ap.add_argument("--duration", type=float, default=20, help="seconds of steady measurement")
    ap.add_argument("--warmup", type=float, default=5)
    ap.add_argument("--mode", choices=["webinar", "room"], default="webinar",
                    help="attendees on a session's live (default) or in a room")
    ap.add_argument("--server-log", help="write the server's output (AMPHI_LOG, default warn) here")
    args = ap.parse_args()
    ok = True
    for n in args.attendees:
        report = run(n, args)
        print(json.dumps(report), flush=True)
        for key, value in report.items():
            print(f"{key:>36}: {value}", file=sys.stderr)
        print(file=sys.stderr)
        ok = ok and report["with_video_and_audio"] > 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
