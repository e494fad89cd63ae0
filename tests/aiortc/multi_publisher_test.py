"""An aiortc subscriber decodes every track of TWO publishers.

Regression test: the SFU offers the late subscriber one m-line first, then all four (audio, video
of one publisher, video, audio of the other) in a renegotiation. With aiortc's default bundle
policy the second video (or audio) m-line of that offer was left on a dead transport, so its SSRC
was routed by payload type into the other receiver of its kind: one track decoded nothing and
the other got two interleaved streams (decode errors, a PLI per frame). See Peer.__init__."""
import asyncio
import time

import pytest

from amphi import Amphi
from media import PatternTrack, ToneTrack, loopback_only, pattern_frames
from peer import Peer


@pytest.fixture
def server():
    s = Amphi()
    yield s
    s.stop()


def ws_url(room_url):
    return room_url.replace("http://", "ws://").replace("https://", "wss://") + "/ws"


def test_subscriber_decodes_both_publishers(server):
    room_url = server.add_room("Two publishers", "owner@example.org")
    loopback_only()
    asyncio.run(_run(ws_url(room_url), server))


async def _run(url, server):
    frames = pattern_frames(320, 180, 30)  # small: the machine is shared
    peers = []
    try:
        publishers = []
        for name in ("Ada", "Bob"):
            p = Peer(url, name)
            peers.append(p)
            welcome = await p.join()
            await p.publish([("microphone", ToneTrack()), ("camera", PatternTrack(frames))])
            publishers.append(welcome["participant_id"])
        await asyncio.sleep(1)  # both publications are live before the subscriber arrives

        sub = Peer(url, "Sub")
        peers.append(sub)
        await sub.join()

        def report():
            return {pid: {kind: [(r.frames, r.width) for r in sub.from_participant(pid, kind)]
                          for kind in ("audio", "video")} for pid in publishers}

        def all_flowing(video_frames, audio_frames):
            for pid in publishers:
                if not any(r.frames >= video_frames and r.width == 320 for r in sub.from_participant(pid, "video")):
                    return False
                if not any(r.frames >= audio_frames for r in sub.from_participant(pid, "audio")):
                    return False
            return True

        deadline = time.time() + 20
        while not all_flowing(30, 50):
            if time.time() > deadline:
                transports = {id(t.receiver.transport) for t in sub.subscriber.getTransceivers()}
                raise AssertionError(
                    f"the subscriber did not decode every track of both publishers within 20 s: {report()}; "
                    f"its {len(sub.subscriber.getTransceivers())} receivers sit on {len(transports)} DTLS transport(s)")
            await asyncio.sleep(0.2)

        # Each video keeps decoding at a real frame rate (two streams mixed in one receiver do not).
        before = {pid: max(r.frames for r in sub.from_participant(pid, "video")) for pid in publishers}
        await asyncio.sleep(2)
        for pid in publishers:
            rate = (max(r.frames for r in sub.from_participant(pid, "video")) - before[pid]) / 2
            print(f"subscriber decodes {pid}: video {rate:.1f} fps; {report()[pid]}")
            assert rate >= 10, f"video of {pid} decodes at {rate} fps: {report()}"
        # One bundled transport carries all four receivers (max-bundle, as in Peer).
        assert len({id(t.receiver.transport) for t in sub.subscriber.getTransceivers()}) == 1
    except BaseException:
        print("\n".join(server.lines[-40:]))
        raise
    finally:
        for p in peers:
            await p.close()
