//! Taps: a subscriber inside the process (the recorder, the streamer). A tap is one more sink
//! of a publication's fan-out: the ingress loop `try_send`s into its bounded queue like into
//! any subscription's, so a slow tap loses its own packets (counted, per tap and in
//! `dropped_queue_full`) and never slows forwarding.
//!
//! A tap takes one layer: the highest one flowing when it is made (a recording wants the best
//! picture; a simulcast publication's layers cannot be mixed in one stream without rewriting).
//! Only packets of the publication's primary codec reach it (a browser sends one per m-line).
//! Making a tap asks the publisher for a keyframe, so a decoder can start at once.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Instant;

use bytes::Bytes;
use tokio::sync::mpsc;

use crate::publication::{Forwarded, Publication, Sink};
use crate::room::MediaRoom;
use crate::{MediaKind, PublicationId, PublicationInfo, SfuError};

/// The codec of a tapped publication, as an SDP describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TapCodec {
    /// The payload type the packets carry (the publisher leg's).
    pub payload_type: u8,
    /// e.g. `video/VP8`, `audio/opus`.
    pub mime_type: String,
    pub clock_rate: u32,
    /// Audio channels as an SDP `rtpmap` names them (2 for Opus); 0 for video.
    pub channels: u16,
    /// The `a=fmtp` parameters, possibly empty.
    pub fmtp: String,
}

impl TapCodec {
    /// The encoding name of an `a=rtpmap` line (`VP8`, `H264`, `opus`).
    pub fn encoding_name(&self) -> &str {
        self.mime_type
            .split_once('/')
            .map_or(self.mime_type.as_str(), |(_, n)| n)
    }
}

/// One RTP packet of a tapped publication.
#[derive(Debug, Clone)]
pub struct TapPacket {
    pub sequence_number: u16,
    pub timestamp: u32,
    pub marker: bool,
    pub ssrc: u32,
    pub payload: Bytes,
    /// It starts a keyframe (video).
    pub keyframe: bool,
    /// When the SFU received it.
    pub at: Instant,
}

impl TapPacket {
    /// The packet as plain RTP (12-byte header, no extensions), with `payload_type`: what a
    /// local consumer such as ffmpeg's RTP demuxer reads.
    pub fn to_rtp(&self, payload_type: u8) -> Vec<u8> {
        let mut out = Vec::with_capacity(12 + self.payload.len());
        out.push(0x80); // version 2, no padding, no extension, no CSRC
        out.push((u8::from(self.marker) << 7) | (payload_type & 0x7f));
        out.extend_from_slice(&self.sequence_number.to_be_bytes());
        out.extend_from_slice(&self.timestamp.to_be_bytes());
        out.extend_from_slice(&self.ssrc.to_be_bytes());
        out.extend_from_slice(&self.payload);
        out
    }
}

/// A publication's packets for an in-process consumer. Dropping it removes its sink.
pub struct Tap {
    info: PublicationInfo,
    codec: TapCodec,
    rank: u8,
    rx: mpsc::Receiver<Forwarded>,
    publication: Weak<Publication>,
    sink_id: u64,
    dropped: Arc<AtomicU64>,
}

impl std::fmt::Debug for Tap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tap")
            .field("publication", &self.info.id)
            .field("codec", &self.codec.mime_type)
            .finish()
    }
}

impl Tap {
    pub fn info(&self) -> &PublicationInfo {
        &self.info
    }

    pub fn codec(&self) -> &TapCodec {
        &self.codec
    }

    /// The next packet; `None` once the publication ended.
    pub async fn recv(&mut self) -> Option<TapPacket> {
        loop {
            let f = self.rx.recv().await?;
            if f.pkt.header.payload_type != self.codec.payload_type {
                continue;
            }
            return Some(TapPacket {
                sequence_number: f.pkt.header.sequence_number,
                timestamp: f.pkt.header.timestamp,
                marker: f.pkt.header.marker,
                ssrc: f.pkt.header.ssrc,
                payload: f.pkt.payload,
                keyframe: f.keyframe,
                at: f.at,
            });
        }
    }

    /// Packets lost because this tap's queue was full.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Asks the publisher for a keyframe (at most one a second reaches it).
    pub fn request_keyframe(&self) {
        if let Some(p) = self.publication.upgrade() {
            p.request_keyframe(self.rank);
        }
    }
}

impl Drop for Tap {
    fn drop(&mut self) {
        if let Some(p) = self.publication.upgrade() {
            p.remove_sink(self.sink_id);
        }
    }
}

impl MediaRoom {
    /// Taps a started publication: its packets (one layer, see the module) in a queue of
    /// `capacity` packets. [`SfuError::UnknownPublication`] if it is not in the room or has no
    /// media yet or no codec negotiated.
    pub fn tap(&self, id: &PublicationId, capacity: usize) -> Result<Tap, SfuError> {
        let unknown = || SfuError::UnknownPublication(id.0.clone());
        let p = self.inner().publication(id).ok_or_else(unknown)?;
        if !p.started() {
            return Err(unknown());
        }
        let codec = p
            .codecs()
            .into_iter()
            .find(|(_, c)| !c.is_repair())
            .ok_or_else(unknown)?;
        let rank = p
            .layer_views(Instant::now())
            .iter()
            .filter(|l| l.active)
            .map(|l| l.rank)
            .max()
            .unwrap_or(0);
        let channels = match p.info.kind {
            MediaKind::Audio => 2,
            MediaKind::Video => 0,
        };
        let (tx, rx) = mpsc::channel(capacity.max(1));
        let sink_id = self.inner().shared.next_id.fetch_add(1, Ordering::Relaxed);
        let dropped = Arc::new(AtomicU64::new(0));
        p.add_sink(Sink {
            id: sink_id,
            tx,
            wanted: Arc::new(AtomicU32::new(1u32 << rank.min(31))),
            dropped: Some(dropped.clone()),
        });
        p.request_keyframe(rank);
        Ok(Tap {
            info: p.info.clone(),
            codec: TapCodec {
                payload_type: codec.0,
                mime_type: codec.1.mime_type,
                clock_rate: codec.1.clock_rate,
                channels,
                fmtp: codec.1.fmtp,
            },
            rank,
            rx,
            publication: Arc::downgrade(&p),
            sink_id,
            dropped,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_rtp_header() {
        let p = TapPacket {
            sequence_number: 0x0102,
            timestamp: 0x03040506,
            marker: true,
            ssrc: 0x0708090a,
            payload: Bytes::from_static(b"xy"),
            keyframe: false,
            at: Instant::now(),
        };
        assert_eq!(
            p.to_rtp(96),
            vec![0x80, 0x80 | 96, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, b'x', b'y']
        );
        let codec = TapCodec {
            payload_type: 111,
            mime_type: "audio/opus".into(),
            clock_rate: 48_000,
            channels: 2,
            fmtp: String::new(),
        };
        assert_eq!(codec.encoding_name(), "opus");
    }
}
