"""An Amphi participant written from docs/protocol.md alone: a websockets client and two aiortc
peer connections (publisher: we offer; subscriber: the server offers)."""
import asyncio
import json
import time

import websockets
from aiortc import RTCBundlePolicy, RTCConfiguration, RTCPeerConnection, RTCRtpSender, RTCSessionDescription
from aiortc.sdp import candidate_from_sdp


class ReceivedTrack:
    """Consumes one received track and counts what it decodes."""

    def __init__(self, track, info):
        self.track = track
        self.info = info  # the subscribe_offer entry: publication_id, participant_id, source, ...
        self.frames = 0
        self.width = 0
        self.height = 0
        self.first_frame_at = None
        self.task = asyncio.ensure_future(self._run())

    async def _run(self):
        try:
            while True:
                frame = await self.track.recv()
                self.frames += 1
                if self.first_frame_at is None:
                    self.first_frame_at = time.time()
                if self.track.kind == "video":
                    self.width, self.height = frame.width, frame.height
        except Exception:  # the track ended (MediaStreamError) or the peer closed
            return


def _max_bundle():
    """Both legs use max-bundle, as browsers talking to an SFU do; the server bundles everything.

    Works around aiortc 1.16 (rtcpeerconnection.py): with its default "balanced" policy,
    __createTransceiver gives a new transceiver the transport of the first transceiver of the
    same kind and marks it `_bundled`. When one remote description adds two m-lines of a kind
    not seen before (the SFU's renegotiated offer to a subscriber of two publishers: audio, video,
    video, audio), the first gets a fresh transport and the second shares it; setRemoteDescription's
    "remove bundled transports" step then moves only the first (`not transceiver._bundled`) onto
    the BUNDLE transport and stops the fresh one, stranding the second. __connect never calls its
    receiver.receive() (its transport never connects), so RtpRouter.route_rtp routes its SSRC by
    payload type to the other receiver of that kind: one track decodes nothing, the other gets
    two interleaved streams. With max-bundle every transceiver after the first shares the first
    one's transport. Upstream: aiortc issue #1414 (open). tests/aiortc/multi_publisher_test.py
    fails without this."""
    return RTCConfiguration(bundlePolicy=RTCBundlePolicy.MAX_BUNDLE)


class Peer:
    def __init__(self, ws_url, name):
        self.ws_url = ws_url
        self.name = name
        self.ws = None
        self.welcome = None
        self.events = []  # every S->C message other than media negotiation
        self.publisher = RTCPeerConnection(_max_bundle())
        self.subscriber = RTCPeerConnection(_max_bundle())
        self.received = {}  # mid -> ReceivedTrack
        self._tracks_by_mid = {}
        self._answer = None
        self._reader = None
        self.subscriber.on("track", self._on_track)

    async def join(self):
        self.ws = await websockets.connect(self.ws_url)
        await self._send({"type": "join", "version": 1, "name": self.name, "resume_token": None})
        msg = json.loads(await self.ws.recv())
        if msg["type"] != "welcome":
            raise RuntimeError(f"join refused: {msg}")
        self.welcome = msg
        self._reader = asyncio.ensure_future(self._read())
        return msg

    async def publish(self, tracks):
        """tracks: [(source, MediaStreamTrack)]; offers them on the publisher leg (VP8 for video)."""
        transceivers = []
        for source, track in tracks:
            t = self.publisher.addTransceiver(track, direction="sendonly")
            if track.kind == "video":
                caps = RTCRtpSender.getCapabilities("video").codecs
                t.setCodecPreferences([c for c in caps if c.mimeType in ("video/VP8", "video/rtx")])
            transceivers.append((source, t))
        # aiortc gathers every candidate inside setLocalDescription: no trickle needed.
        await self.publisher.setLocalDescription(await self.publisher.createOffer())
        self._answer = asyncio.get_running_loop().create_future()
        await self._send({
            "type": "publish_offer",
            "sdp": self.publisher.localDescription.sdp,
            "tracks": [{"mid": t.mid, "source": source} for source, t in transceivers],
        })
        answer = await asyncio.wait_for(self._answer, 10)
        await self.publisher.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type="answer"))

    async def _read(self):
        async for raw in self.ws:
            msg = json.loads(raw)
            kind = msg["type"]
            if kind == "publish_answer":
                if self._answer and not self._answer.done():
                    self._answer.set_result(msg)
            elif kind == "subscribe_offer":
                await self._on_subscribe_offer(msg)
            elif kind == "ice_candidate":
                await self._on_candidate(msg)
            elif kind == "error" and msg.get("request") == "publish_offer" and self._answer and not self._answer.done():
                self._answer.set_exception(RuntimeError(f"publish refused: {msg}"))
                self.events.append(msg)
            else:
                self.events.append(msg)

    async def _on_subscribe_offer(self, msg):
        self._tracks_by_mid = {t["mid"]: t for t in msg["tracks"]}
        await self.subscriber.setRemoteDescription(RTCSessionDescription(sdp=msg["sdp"], type="offer"))
        await self.subscriber.setLocalDescription(await self.subscriber.createAnswer())
        await self._send({"type": "subscribe_answer", "sdp": self.subscriber.localDescription.sdp})
        # A reused mid carries another publication now: update what its receiver is said to be.
        for mid, rec in self.received.items():
            if mid in self._tracks_by_mid:
                rec.info = self._tracks_by_mid[mid]

    def _on_track(self, track):
        mid = next((t.mid for t in self.subscriber.getTransceivers() if t.receiver.track is track), None)
        info = self._tracks_by_mid.get(mid, {})
        self.received[mid] = ReceivedTrack(track, info)

    async def _on_candidate(self, msg):
        cand = msg.get("candidate") or {}
        line = cand.get("candidate") or ""
        if not line:
            return
        pc = self.publisher if msg["leg"] == "publisher" else self.subscriber
        c = candidate_from_sdp(line.split(":", 1)[1] if line.startswith("candidate:") else line)
        c.sdpMid = cand.get("sdpMid")
        c.sdpMLineIndex = cand.get("sdpMLineIndex")
        await pc.addIceCandidate(c)

    def from_participant(self, participant_id, kind):
        return [r for r in self.received.values() if r.info.get("participant_id") == participant_id and r.track.kind == kind]

    async def _send(self, msg):
        await self.ws.send(json.dumps(msg))

    async def close(self):
        try:
            if self.ws:
                await self._send({"type": "leave"})
                await self.ws.close()
        except Exception:
            pass
        if self._reader:
            self._reader.cancel()
        for rec in self.received.values():
            rec.task.cancel()
        await self.publisher.close()
        await self.subscriber.close()
