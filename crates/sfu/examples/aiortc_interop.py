"""Interop check with aiortc (an independent WebRTC stack) against the chrome_interop example:
an aiortc publisher (VP8 test pattern + 440 Hz tone) and an aiortc subscriber that decodes.

    .venv/bin/python crates/sfu/examples/aiortc_interop.py   (after building the example)
"""
import asyncio
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../../../tests/aiortc"))
from aiortc import RTCPeerConnection, RTCSessionDescription  # noqa: E402
from media import PatternTrack, ToneTrack, loopback_only, pattern_frames  # noqa: E402

TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(os.path.dirname(__file__), "../../../target"))
BIN = os.environ.get("SFU_BIN", os.path.join(TARGET, "debug/examples/chrome_interop"))
CODEC = os.environ.get("CODEC", "")  # "H264" to prefer H.264


async def main():
    loopback_only()
    sfu = await asyncio.create_subprocess_exec(BIN, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)

    async def send(m):
        sfu.stdin.write((json.dumps(m) + "\n").encode())
        await sfu.stdin.drain()

    pub = RTCPeerConnection()
    vt = pub.addTransceiver(PatternTrack(pattern_frames(640, 360, 60)), direction="sendonly")
    pub.addTransceiver(ToneTrack(), direction="sendonly")
    if CODEC:
        from aiortc.rtcrtpsender import RTCRtpSender
        caps = RTCRtpSender.getCapabilities("video").codecs
        vt.setCodecPreferences([c for c in caps if c.mimeType == "video/" + CODEC] + [c for c in caps if c.mimeType != "video/" + CODEC])
    await pub.setLocalDescription(await pub.createOffer())
    await send({"type": "publish_offer", "sdp": pub.localDescription.sdp})

    sub = RTCPeerConnection()
    counts = {"video": 0, "audio": 0, "size": None}

    @sub.on("track")
    def on_track(track):
        async def consume():
            while True:
                try:
                    frame = await track.recv()
                except Exception:
                    return
                counts[track.kind] += 1
                if track.kind == "video":
                    counts["size"] = (frame.width, frame.height)
        asyncio.ensure_future(consume())

    stats = ""
    deadline = asyncio.get_event_loop().time() + 12
    while asyncio.get_event_loop().time() < deadline:
        try:
            line = await asyncio.wait_for(sfu.stdout.readline(), 1.0)
        except asyncio.TimeoutError:
            continue
        m = json.loads(line)
        if m["type"] == "publish_answer":
            await pub.setRemoteDescription(RTCSessionDescription(m["sdp"], "answer"))
        elif m["type"] == "subscribe_offer":
            await sub.setRemoteDescription(RTCSessionDescription(m["sdp"], "offer"))
            await sub.setLocalDescription(await sub.createAnswer())
            await send({"type": "subscribe_answer", "sdp": sub.localDescription.sdp})
        elif m["type"] == "stats":
            stats = m["stats"]
    print("[aiortc] decoded video frames:", counts["video"], "size:", counts["size"], "audio frames:", counts["audio"])
    print("[aiortc] sfu stats", stats)
    ok = counts["video"] > 100 and counts["audio"] > 200
    print("[aiortc] RESULT", "OK" if ok else "FAIL")
    await pub.close()
    await sub.close()
    sfu.kill()
    sys.exit(0 if ok else 1)


asyncio.run(main())
