"""A load-test participant: tests/aiortc/peer.py's protocol client, receiving without decoding."""
import asyncio
import time

import aioice.ice
import aiortc.rtcrtpreceiver as rtcrtpreceiver
from aiortc.stats import RTCInboundRtpStreamStats

from peer import Peer  # tests/aiortc/peer.py, written from docs/protocol.md alone


def force_loopback():
    """aioice leaves 127.0.0.1 out of its host candidates; the load runs on loopback only."""
    aioice.ice.get_host_addresses = lambda use_ipv4=True, use_ipv6=True: ["127.0.0.1"]


class _CountingDecoder:
    """Hands the encoded frame through: NACK, PLI and the jitter buffer still run, decoding does not."""

    def decode(self, encoded_frame):
        return [encoded_frame]


def skip_decoding():
    rtcrtpreceiver.get_decoder = lambda codec: _CountingDecoder()


class LoadPeer(Peer):
    """`receive=False` makes a send-only participant: it leaves the server's subscribe_offer
    unanswered, so its subscriber leg never connects and the SFU forwards nothing to it (the
    SFU never sends to an unconnected leg). That keeps a run to N publishers x M subscribers."""

    def __init__(self, ws_url, name, receive=True):
        super().__init__(ws_url, name)
        self.receive = receive
        self.first_video_at = None
        self._frames = {}  # mid -> frames received
        self._consumers = []

    async def _on_subscribe_offer(self, msg):
        if self.receive:
            await super()._on_subscribe_offer(msg)

    def _on_track(self, track):
        mid = next((t.mid for t in self.subscriber.getTransceivers() if t.receiver.track is track), None)
        self._consumers.append(asyncio.ensure_future(self._consume(mid, track)))

    async def _consume(self, mid, track):
        try:
            while True:
                await track.recv()
                self._frames[mid] = self._frames.get(mid, 0) + 1
                if track.kind == "video" and self.first_video_at is None:
                    self.first_video_at = time.time()
        except Exception:  # the track ended or the peer closed
            return

    def video_tracks(self):
        kinds = {t.mid: t.kind for t in self.subscriber.getTransceivers()}
        return sum(1 for mid, n in self._frames.items() if n and kinds.get(mid) == "video")

    async def counters(self):
        """RTP packets received and lost on the subscriber leg, from its RTCP receiver stats."""
        received = lost = 0
        for stat in (await self.subscriber.getStats()).values():
            if isinstance(stat, RTCInboundRtpStreamStats):
                received += stat.packetsReceived
                lost += max(0, stat.packetsLost)
        return {"received": received, "lost": lost}

    async def close(self):
        for task in self._consumers:
            task.cancel()
        await super().close()
