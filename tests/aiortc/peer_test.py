"""An aiortc peer joins through the documented protocol alone, publishes VP8 + Opus, and it and a
real Chromium participant decode each other through the Amphi server and SFU."""
import asyncio
import json
import time
from pathlib import Path

import pytest

from amphi import Amphi
from media import PatternTrack, ToneTrack, loopback_only, pattern_frames
from peer import Peer

HERE = Path(__file__).resolve().parent


@pytest.fixture
def server():
    s = Amphi()
    yield s
    s.stop()


def ws_url(room_url):
    return room_url.replace("http://", "ws://").replace("https://", "wss://") + "/ws"


async def wait_until(check, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = check()
        if value:
            return value
        await asyncio.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def test_aiortc_and_chromium_decode_each_other(server):
    room_url = server.add_room("Interop", "owner@example.org")
    loopback_only()
    asyncio.run(_run(room_url, server))


async def _run(room_url, server):
    robot = Peer(ws_url(room_url), "Robot")
    browser = None
    try:
        welcome = await robot.join()
        assert welcome["resume_token"] and welcome["participant_id"]
        await robot.publish([("microphone", ToneTrack()), ("camera", PatternTrack(pattern_frames()))])

        # The browser joins and reports what it receives, a line a second.
        browser = await asyncio.create_subprocess_exec(
            "node", str(HERE / "browser_peer.js"), room_url, "Chromium", "25",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        lines = []

        async def read_browser():
            async for raw in browser.stdout:
                lines.append(json.loads(raw))

        reader = asyncio.ensure_future(read_browser())

        # The robot learns of the browser and decodes its video and audio.
        joined = await wait_until(lambda: next((e["participant"] for e in robot.events if e["type"] == "participant_joined"), None),
                                  30, "the browser to join")
        video = await wait_until(lambda: next((r for r in robot.from_participant(joined["id"], "video") if r.frames >= 30), None),
                                 20, "aiortc to decode 30 frames of the browser's video")
        audio = await wait_until(lambda: next((r for r in robot.from_participant(joined["id"], "audio") if r.frames >= 50), None),
                                 10, "aiortc to decode 50 frames of the browser's audio")
        frames_before = video.frames
        await asyncio.sleep(2)
        rate = (video.frames - frames_before) / 2
        print(f"aiortc decodes the browser: video {video.width}x{video.height}, {rate:.1f} fps; audio {audio.frames} frames")
        assert video.width > 0 and rate >= 5

        # The browser decodes the robot's video and receives its audio.
        def robot_seen():
            for line in reversed(lines):
                r = line.get("flow", {}).get("Robot")
                if r:
                    return r if r["videoFrames"] >= 10 and r["videoWidth"] > 0 and r["audioBytes"] > 1000 else None
            return None

        seen = await wait_until(robot_seen, 20, "the browser to decode the robot")
        print(f"Chromium decodes aiortc: {json.dumps(seen)}")
        assert seen["videoWidth"] == 640
        browser.terminate()
        await browser.wait()
        reader.cancel()
    except BaseException:
        print("\n".join(server.lines[-60:]))
        if browser is not None:
            err = await browser.stderr.read()
            print(err.decode(errors="replace")[-3000:])
        raise
    finally:
        if browser is not None and browser.returncode is None:
            browser.kill()
        await robot.close()
