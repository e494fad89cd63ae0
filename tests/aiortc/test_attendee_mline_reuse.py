"""Issue 5 (W7): an attendee's subscriber SDP stays bounded however often the stage changes.

A receive-only aiortc peer stays in a room while 50 speakers, one after the other, join,
publish a camera and a microphone, and leave. Each time the server renegotiates the
attendee's subscriber leg; the SFU must reuse the m-lines the last speaker left (inactive), so
the offer never has more than one audio and one video m-line, and the attendee decodes every
speaker's video on the reused m-line. Runs against the binary at $AMPHI_BIN (or the debug build).
"""
import asyncio
import time

import pytest

from amphi import Amphi
from media import PatternTrack, ToneTrack, loopback_only, pattern_frames
from peer import Peer

SPEAKERS = 50


@pytest.fixture
def server():
    s = Amphi(extra_env={"AMPHI_LOG": "warn"})
    yield s
    s.stop()


def ws_url(room_url):
    return room_url.replace("http://", "ws://").replace("https://", "wss://") + "/ws"


def mlines(sdp):
    """[(kind, direction)] of an SDP."""
    out = []
    for line in sdp.splitlines():
        if line.startswith("m="):
            out.append([line[2:].split(" ")[0], None])
        elif out and line in ("a=sendonly", "a=recvonly", "a=sendrecv", "a=inactive"):
            out[-1][1] = line[2:]
    return [tuple(m) for m in out]


async def wait_until(check, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = check()
        if value:
            return value
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def test_fifty_speakers_in_turn_reuse_one_audio_and_one_video_mline(server):
    room_url = server.add_room("Stage", "owner@example.org")
    loopback_only()
    asyncio.run(_run(ws_url(room_url)))


async def _run(url):
    frames = pattern_frames(width=320, height=180, count=30)
    attendee = Peer(url, "Attendee")
    await attendee.join()
    largest = 0
    decoded = []
    try:
        for n in range(SPEAKERS):
            speaker = Peer(url, f"Speaker {n}")
            welcome = await speaker.join()
            me = welcome["participant_id"]
            await speaker.publish([("microphone", ToneTrack()), ("camera", PatternTrack(frames))])

            def speaker_video():
                for r in attendee.from_participant(me, "video"):
                    return r
                return None

            video = await wait_until(speaker_video, 20, f"speaker {n}'s video on the attendee's leg")
            start = video.frames
            await wait_until(lambda: video.info.get("participant_id") == me and video.frames >= start + 5,
                             20, f"the attendee to decode 5 frames of speaker {n}")
            decoded.append(video.frames - start)
            sdp = attendee.subscriber.remoteDescription.sdp
            largest = max(largest, len(mlines(sdp)))
            assert len(mlines(sdp)) <= 2, f"speaker {n}: {mlines(sdp)}"
            await speaker.close()
            # The speaker's publications end: the attendee's m-lines go inactive.
            await wait_until(lambda: all(d == "inactive" for _, d in mlines(attendee.subscriber.remoteDescription.sdp)),
                             20, f"speaker {n}'s m-lines to go inactive")
        print(f"{SPEAKERS} speakers in turn: largest attendee offer {largest} m-lines; "
              f"frames decoded per speaker min {min(decoded)}, {len(attendee.received)} receivers")
        assert largest == 2
        assert sorted(k for k, _ in mlines(attendee.subscriber.remoteDescription.sdp)) == ["audio", "video"]
    finally:
        await attendee.close()
