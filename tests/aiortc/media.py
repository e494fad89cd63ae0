"""Media sources for aiortc peers on loopback: a moving test pattern and a 440 Hz tone."""
import asyncio
import fractions
import math
import time

import aioice.ice
import av
from aiortc import AudioStreamTrack, VideoStreamTrack
from aiortc.mediastreams import MediaStreamError


def loopback_only():
    """aioice leaves 127.0.0.1 out of its host candidates; on a test machine we want only it."""
    aioice.ice.get_host_addresses = lambda use_ipv4=True, use_ipv6=True: ["127.0.0.1"]


def pattern_frames(width=640, height=360, count=60):
    """`count` frames of ffmpeg's testsrc2 (moving, detailed: a realistic bitrate)."""
    container = av.open(f"testsrc2=size={width}x{height}:rate=30", format="lavfi")
    frames = []
    for frame in container.decode(video=0):
        frames.append(frame.reformat(format="yuv420p"))
        if len(frames) >= count:
            break
    container.close()
    return frames


class PatternTrack(VideoStreamTrack):
    """30 fps video cycling through pre-rendered frames; aiortc encodes it (VP8)."""

    def __init__(self, frames):
        super().__init__()
        self.frames = frames
        self.index = 0

    async def recv(self):
        pts, time_base = await self.next_timestamp()
        frame = self.frames[self.index % len(self.frames)]
        self.index += 1
        frame.pts, frame.time_base = pts, time_base
        return frame


class ToneTrack(AudioStreamTrack):
    """48 kHz mono 440 Hz tone in 20 ms frames (aiortc's own AudioStreamTrack is silent)."""

    RATE = 48000
    SAMPLES = 960

    def __init__(self):
        super().__init__()
        second = bytearray()
        for i in range(self.RATE):
            second += int(8000 * math.sin(2 * math.pi * 440 * i / self.RATE)).to_bytes(2, "little", signed=True)
        self.pcm = bytes(second) * 2  # doubled: any 20 ms window is one slice
        self.sent = 0
        self.start = None

    async def recv(self):
        if self.readyState != "live":
            raise MediaStreamError
        if self.start is None:
            self.start = time.time()
        else:
            self.sent += self.SAMPLES
            await asyncio.sleep(max(0, self.start + self.sent / self.RATE - time.time()))
        frame = av.AudioFrame(format="s16", layout="mono", samples=self.SAMPLES)
        offset = (self.sent % self.RATE) * 2
        frame.planes[0].update(self.pcm[offset:offset + self.SAMPLES * 2])
        frame.pts, frame.sample_rate = self.sent, self.RATE
        frame.time_base = fractions.Fraction(1, self.RATE)
        return frame
