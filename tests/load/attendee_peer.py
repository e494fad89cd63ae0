"""A cheap attendee for the audience benchmark: receives the stage over one aiortc peer
connection and counts RTP packets per track, without a jitter buffer or a decoder.

Each received packet still goes through ICE, DTLS-SRTP, the receiver's RTCP statistics (its
receiver reports reach the server) and its NACK generator (losses are asked for, as a browser
would); only the frame assembly and decoding are skipped. Loss is measured from sequence
numbers: a packet counts once (a retransmission fills its gap), so what remains missing at the
end of a window is what the attendee really lost."""
import time

from aiortc.rtcrtpreceiver import RTCRtpReceiver, StreamStatistics

from peer import Peer  # tests/aiortc/peer.py, written from docs/protocol.md alone


class TrackCount:
    """Packets of one SSRC: unique sequence numbers seen, and the highest extended one."""

    __slots__ = ("kind", "unique", "duplicates", "first_ext", "max_ext", "seen", "first_at")

    def __init__(self, kind):
        self.kind = kind
        self.unique = 0
        self.duplicates = 0
        self.first_ext = None
        self.max_ext = None
        # seen[seq] == the wrap count (mod 255) + 1 of the last extended seq seen with that seq
        self.seen = bytearray(65536)
        self.first_at = time.time()

    def add(self, seq):
        if self.max_ext is None:
            ext = seq
            self.first_ext = ext
            self.max_ext = ext
        else:
            # the extended sequence number closest to the highest one so far
            delta = (seq - self.max_ext) & 0xFFFF
            ext = self.max_ext + delta if delta < 0x8000 else self.max_ext + delta - 0x10000
            if ext > self.max_ext:
                self.max_ext = ext
        tag = ((ext >> 16) % 255) + 1
        if self.seen[seq] == tag:
            self.duplicates += 1
            return
        self.seen[seq] = tag
        self.unique += 1

    def snapshot(self):
        return (self.unique, self.max_ext if self.max_ext is not None else -1)


async def _counting_handle_rtp_packet(self, packet, arrival_time_ms):
    """Replaces RTCRtpReceiver._handle_rtp_packet in attendee processes (see the module doc)."""
    if not self._enabled:
        return
    codec = self._RTCRtpReceiver__codecs.get(packet.payload_type)
    if codec is None:
        return
    streams = self._RTCRtpReceiver__remote_streams
    if packet.ssrc not in streams:
        streams[packet.ssrc] = StreamStatistics(codec.clockRate)
    streams[packet.ssrc].add(packet)
    counts = self.__dict__.setdefault("amphi_counts", {})
    count = counts.get(packet.ssrc)
    if count is None:
        count = counts[packet.ssrc] = TrackCount(codec.mimeType.split("/")[0])
    count.add(packet.sequence_number)
    nack = self._RTCRtpReceiver__nack_generator
    if nack is not None and nack.add(packet):
        await self._send_rtcp_nack(packet.ssrc, sorted(nack.missing))


def count_without_decoding():
    RTCRtpReceiver._handle_rtp_packet = _counting_handle_rtp_packet


class Attendee(Peer):
    """Joins, answers the server's subscriber offers, never publishes (its publisher peer
    connection is never negotiated: no socket, no cost)."""

    def __init__(self, ws_url, name):
        super().__init__(ws_url, name)
        self.joined_at = None
        self.first_video_at = None

    async def join(self):
        self.joined_at = time.time()
        return await super().join()

    def _on_track(self, track):
        pass  # nothing to consume: packets never reach the track (see _counting_handle_rtp_packet)

    def tracks(self):
        """{ssrc: TrackCount} of everything received."""
        out = {}
        for t in self.subscriber.getTransceivers():
            out.update(t.receiver.__dict__.get("amphi_counts", {}))
        return out

    def first_video(self):
        times = [c.first_at for c in self.tracks().values() if c.kind == "video"]
        return min(times) if times else None

    def snapshot(self):
        """{ssrc: (kind, unique, max_ext)}: two snapshots give a window's packets and loss."""
        return {ssrc: (c.kind, *c.snapshot()) for ssrc, c in self.tracks().items()}
