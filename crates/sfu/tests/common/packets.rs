//! RTP as the tests send and check it: VP8/Opus-shaped tracks and packets, what a subscriber
//! received, and what an SDP negotiated.

#[allow(unused_imports)]
use super::*;

/// The VP8-shaped payload of packet `i` of a stream with 3 packets per frame and a keyframe
/// every `gop` frames. Byte `len - 1` carries `tag` (which layer it came from).
pub fn vp8_payload(i: u32, gop: u32, len: usize, tag: u8) -> Bytes {
    let frame = i / 3;
    let first = i.is_multiple_of(3);
    let mut v = vec![0x55u8; len.max(3)];
    if first {
        v[0] = 0x10; // S=1, partition 0
        v[1] = if frame.is_multiple_of(gop) {
            0x00
        } else {
            0x01
        }; // inverse key-frame bit
    } else {
        v[0] = 0x00;
    }
    let n = v.len();
    v[n - 1] = tag;
    Bytes::from(v)
}

pub fn rtp(pt: u8, ssrc: u32, seq: u16, ts: u32, marker: bool, payload: Bytes) -> rtp::Packet {
    rtp::Packet {
        header: rtp::header::Header {
            version: 2,
            payload_type: pt,
            sequence_number: seq,
            timestamp: ts,
            ssrc,
            marker,
            ..Default::default()
        },
        payload,
    }
}

/// Everything a subscriber's track received.
#[derive(Default)]
pub struct Received {
    pub packets: Vec<(u32, u8, u16, u32, u8)>, // ssrc, pt, seq, ts, last payload byte
}

impl Received {
    /// Number of missing sequence numbers between the first and the last packet.
    pub fn gaps(&self) -> usize {
        let mut seqs: Vec<u64> = Vec::new();
        let mut ext = 0u64;
        let mut last: Option<u16> = None;
        for p in &self.packets {
            let s = p.2;
            ext = match last {
                None => 1 << 20,
                Some(l) => (ext as i64 + i64::from(s.wrapping_sub(l) as i16)) as u64,
            };
            if last.is_none_or(|l| (s.wrapping_sub(l) as i16) > 0) {
                last = Some(s);
            }
            seqs.push(ext);
        }
        seqs.sort();
        seqs.dedup();
        match (seqs.first(), seqs.last()) {
            (Some(a), Some(b)) => (b - a + 1) as usize - seqs.len(),
            _ => 0,
        }
    }
    pub fn duplicates(&self) -> usize {
        let mut s: Vec<u16> = self.packets.iter().map(|p| p.2).collect();
        let n = s.len();
        s.sort();
        s.dedup();
        n - s.len()
    }
}

/// Reads a subscriber track in the background.
pub fn record(track: Arc<dyn TrackRemote>) -> Arc<Mutex<Received>> {
    let out = Arc::new(Mutex::new(Received::default()));
    let o = out.clone();
    tokio::spawn(async move {
        while let Some(ev) = track.poll().await {
            if let TrackRemoteEvent::OnRtpPacket(p) = ev {
                let tag = p.payload.last().copied().unwrap_or(0);
                o.lock().unwrap().packets.push((
                    p.header.ssrc,
                    p.header.payload_type,
                    p.header.sequence_number,
                    p.header.timestamp,
                    tag,
                ));
            }
        }
    });
    out
}

/// The payload type an SDP maps to a codec name (first match), e.g. "VP8".
pub fn pt_of(sdp: &str, codec: &str) -> Option<u8> {
    sdp.lines().find_map(|l| {
        let rest = l.trim().strip_prefix("a=rtpmap:")?;
        let (pt, name) = rest.split_once(' ')?;
        name.to_ascii_lowercase()
            .starts_with(&format!("{}/", codec.to_ascii_lowercase()))
            .then(|| pt.parse().ok())
            .flatten()
    })
}

/// The extension id an SDP gives a URI.
pub fn ext_id(
    params: &rtc::rtp_transceiver::rtp_sender::RTCRtpSendParameters,
    uri: &str,
) -> Option<u8> {
    params
        .rtp_parameters
        .header_extensions
        .iter()
        .find(|e| e.uri == uri)
        .map(|e| e.id as u8)
}
