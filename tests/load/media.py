"""Cheap media for load runs: VP8 and Opus encoded once, then replayed by every publisher, so
that a publisher costs about 1 % of a core and the measurement is the server's, not the peers'."""
import fractions
import math

import av
from aiortc import AudioStreamTrack, VideoStreamTrack
from aiortc.mediastreams import MediaStreamError

VIDEO_RATE = 30
AUDIO_RATE = 48000
AUDIO_SAMPLES = 960  # 20 ms


def encode_vp8(width=640, height=360, seconds=2, bitrate=600_000):
    """`seconds` of ffmpeg's testsrc2 encoded with libvpx, keyframe at the start of each cycle."""
    source = av.open(f"testsrc2=size={width}x{height}:rate={VIDEO_RATE}", format="lavfi")
    encoder = av.CodecContext.create("libvpx", "w")
    encoder.width, encoder.height, encoder.pix_fmt = width, height, "yuv420p"
    encoder.time_base = fractions.Fraction(1, VIDEO_RATE)
    encoder.bit_rate = bitrate
    encoder.gop_size = seconds * VIDEO_RATE
    encoder.options = {"deadline": "realtime", "cpu-used": "8", "lag-in-frames": "0"}
    packets = []
    for index, frame in enumerate(source.decode(video=0)):
        if index >= seconds * VIDEO_RATE:
            break
        frame = frame.reformat(format="yuv420p")
        frame.pts, frame.time_base = index, encoder.time_base
        packets += [bytes(p) for p in encoder.encode(frame)]
    packets += [bytes(p) for p in encoder.encode(None)]
    source.close()
    return packets


def encode_opus(seconds=2):
    """`seconds` of a 440 Hz tone encoded with libopus in 20 ms packets."""
    encoder = av.CodecContext.create("libopus", "w")
    encoder.sample_rate, encoder.layout, encoder.format = AUDIO_RATE, "mono", "s16"
    encoder.time_base = fractions.Fraction(1, AUDIO_RATE)
    packets = []
    for index in range(seconds * AUDIO_RATE // AUDIO_SAMPLES):
        pcm = b"".join(
            int(8000 * math.sin(2 * math.pi * 440 * (index * AUDIO_SAMPLES + i) / AUDIO_RATE)).to_bytes(2, "little", signed=True)
            for i in range(AUDIO_SAMPLES))
        frame = av.AudioFrame(format="s16", layout="mono", samples=AUDIO_SAMPLES)
        frame.planes[0].update(pcm)
        frame.sample_rate, frame.pts = AUDIO_RATE, index * AUDIO_SAMPLES
        frame.time_base = encoder.time_base
        packets += [bytes(p) for p in encoder.encode(frame)]
    return packets


class ReplayedVideo(VideoStreamTrack):
    """Yields pre-encoded VP8 packets at 30 fps; aiortc only packetizes and encrypts them."""

    def __init__(self, packets):
        super().__init__()
        self.packets, self.index = packets, 0

    async def recv(self):
        pts, time_base = await self.next_timestamp()
        packet = av.Packet(self.packets[self.index % len(self.packets)])
        self.index += 1
        packet.pts, packet.time_base = pts, time_base
        return packet


class ReplayedAudio(AudioStreamTrack):
    """Yields pre-encoded Opus packets every 20 ms."""

    def __init__(self, packets):
        super().__init__()
        self.packets, self.index = packets, 0

    async def recv(self):
        if self.readyState != "live":
            raise MediaStreamError
        # AudioStreamTrack.recv paces 20 ms frames; reuse its clock, then swap in our packet.
        frame = await super().recv()
        packet = av.Packet(self.packets[self.index % len(self.packets)])
        self.index += 1
        packet.pts, packet.time_base = frame.pts, frame.time_base
        return packet
