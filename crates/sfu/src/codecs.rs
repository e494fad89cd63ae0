//! The codecs and header extensions both legs speak, and how a codec on one leg is matched to
//! its counterpart on the other (payload types differ per leg; MIME type and a few fmtp keys do
//! not).

use rtc::peer_connection::configuration::media_engine::{
    MIME_TYPE_H264, MIME_TYPE_OPUS, MIME_TYPE_VP8, MIME_TYPE_VP9, MediaEngine,
};
use rtc::rtp_transceiver::rtp_sender::{
    RTCPFeedback, RTCRtpCodec, RTCRtpCodecParameters, RTCRtpHeaderExtensionCapability, RtpCodecKind,
};

use crate::SfuError;

pub(crate) const AUDIO_LEVEL_URI: &str = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";
pub(crate) const VIDEO_ORIENTATION_URI: &str = "urn:3gpp:video-orientation";

/// Extensions forwarded end to end when both legs negotiated them. Everything else (mid, rid,
/// repaired-rid, transport-cc, ...) describes one hop and is stripped.
pub(crate) const END_TO_END_EXTENSIONS: &[&str] = &[AUDIO_LEVEL_URI, VIDEO_ORIENTATION_URI];

/// Registers our codec list. No RTX (FINDINGS §1.6, §4.3: the upstream RTX path re-requests
/// recovered packets for seconds and loses Chrome simulcast repairs): retransmissions travel on
/// the media SSRC, where the NACK generator credits them and the dedup window catches copies.
pub(crate) fn register_codecs(me: &mut MediaEngine) -> Result<(), SfuError> {
    let video_fb = || vec![fb("nack", ""), fb("nack", "pli"), fb("ccm", "fir")];
    let audio = [(
        111u8,
        MIME_TYPE_OPUS,
        48_000u32,
        2u16,
        "minptime=10;useinbandfec=1",
    )];
    for (pt, mime, clock, channels, fmtp) in audio {
        me.register_codec(
            RTCRtpCodecParameters {
                rtp_codec: RTCRtpCodec {
                    mime_type: mime.into(),
                    clock_rate: clock,
                    channels,
                    sdp_fmtp_line: fmtp.into(),
                    rtcp_feedback: vec![],
                },
                payload_type: pt,
            },
            RtpCodecKind::Audio,
        )
        .map_err(SfuError::from)?;
    }
    let video = [
        (96u8, MIME_TYPE_VP8, ""),
        (98, MIME_TYPE_VP9, "profile-id=0"),
        (
            102,
            MIME_TYPE_H264,
            "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f",
        ),
        (
            108,
            MIME_TYPE_H264,
            "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f",
        ),
        (
            112,
            MIME_TYPE_H264,
            "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=640c1f",
        ),
    ];
    for (pt, mime, fmtp) in video {
        me.register_codec(
            RTCRtpCodecParameters {
                rtp_codec: RTCRtpCodec {
                    mime_type: mime.into(),
                    clock_rate: 90_000,
                    channels: 0,
                    sdp_fmtp_line: fmtp.into(),
                    rtcp_feedback: video_fb(),
                },
                payload_type: pt,
            },
            RtpCodecKind::Video,
        )
        .map_err(SfuError::from)?;
    }
    Ok(())
}

/// Registers the header extensions both legs may carry end to end.
pub(crate) fn register_extensions(me: &mut MediaEngine) -> Result<(), SfuError> {
    me.register_header_extension(
        RTCRtpHeaderExtensionCapability {
            uri: AUDIO_LEVEL_URI.into(),
        },
        RtpCodecKind::Audio,
        None,
    )
    .map_err(SfuError::from)?;
    me.register_header_extension(
        RTCRtpHeaderExtensionCapability {
            uri: VIDEO_ORIENTATION_URI.into(),
        },
        RtpCodecKind::Video,
        None,
    )
    .map_err(SfuError::from)?;
    Ok(())
}

fn fb(typ: &str, parameter: &str) -> RTCPFeedback {
    RTCPFeedback {
        typ: typ.into(),
        parameter: parameter.into(),
    }
}

/// A codec as far as forwarding cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CodecSpec {
    pub(crate) mime_type: String,
    pub(crate) clock_rate: u32,
    pub(crate) fmtp: String,
}

impl CodecSpec {
    pub(crate) fn from_rtc(c: &RTCRtpCodec) -> Self {
        Self {
            mime_type: c.mime_type.clone(),
            clock_rate: c.clock_rate,
            fmtp: c.sdp_fmtp_line.clone(),
        }
    }

    pub(crate) fn kind(&self) -> VideoCodec {
        let m = self.mime_type.to_ascii_lowercase();
        match m.as_str() {
            "video/vp8" => VideoCodec::Vp8,
            "video/vp9" => VideoCodec::Vp9,
            "video/h264" => VideoCodec::H264,
            _ if m.starts_with("audio/") => VideoCodec::NotVideo,
            _ => VideoCodec::Other,
        }
    }

    pub(crate) fn is_repair(&self) -> bool {
        let m = self.mime_type.to_ascii_lowercase();
        m.ends_with("/rtx")
            || m.ends_with("/ulpfec")
            || m.ends_with("/red")
            || m.contains("flexfec")
    }

    /// Can a packet of `self` be sent as `other` on another leg?
    pub(crate) fn same_as(&self, other: &CodecSpec) -> bool {
        if !self.mime_type.eq_ignore_ascii_case(&other.mime_type)
            || self.clock_rate != other.clock_rate
        {
            return false;
        }
        match self.kind() {
            VideoCodec::H264 => {
                fmtp_value(&self.fmtp, "packetization-mode").unwrap_or("0")
                    == fmtp_value(&other.fmtp, "packetization-mode").unwrap_or("0")
                    && h264_profile(&self.fmtp) == h264_profile(&other.fmtp)
            }
            VideoCodec::Vp9 => {
                fmtp_value(&self.fmtp, "profile-id").unwrap_or("0")
                    == fmtp_value(&other.fmtp, "profile-id").unwrap_or("0")
            }
            _ => true,
        }
    }
}

/// The codec families whose keyframes we can recognise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VideoCodec {
    Vp8,
    Vp9,
    H264,
    Other,
    NotVideo,
}

fn fmtp_value<'a>(fmtp: &'a str, key: &str) -> Option<&'a str> {
    fmtp.split(';').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        k.trim().eq_ignore_ascii_case(key).then_some(v.trim())
    })
}

/// profile_idc of an H.264 profile-level-id (42 baseline and 42e0 constrained baseline are the
/// same for a decoder that accepts either); default 42 (RFC 6184).
fn h264_profile(fmtp: &str) -> String {
    fmtp_value(fmtp, "profile-level-id")
        .and_then(|p| p.get(0..2))
        .unwrap_or("42")
        .to_ascii_lowercase()
}

/// Map each publisher-leg payload type to the subscriber-leg payload type of the same codec.
pub(crate) fn map_payload_types(from: &[(u8, CodecSpec)], to: &[(u8, CodecSpec)]) -> Vec<(u8, u8)> {
    from.iter()
        .filter(|(_, c)| !c.is_repair())
        .filter_map(|(pt, c)| {
            // Prefer an exact fmtp match, then any compatible one.
            to.iter()
                .find(|(_, o)| o == c)
                .or_else(|| to.iter().find(|(_, o)| c.same_as(o)))
                .map(|(out, _)| (*pt, *out))
        })
        .collect()
}

/// Map publisher-leg extension ids to subscriber-leg ids for end-to-end URIs.
pub(crate) fn map_extensions(from: &[(String, u8)], to: &[(String, u8)]) -> Vec<(u8, u8)> {
    from.iter()
        .filter(|(uri, _)| END_TO_END_EXTENSIONS.contains(&uri.as_str()))
        .filter_map(|(uri, id)| {
            to.iter()
                .find(|(u, _)| u == uri)
                .map(|(_, out)| (*id, *out))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(mime: &str, fmtp: &str) -> CodecSpec {
        CodecSpec {
            mime_type: mime.into(),
            clock_rate: 90_000,
            fmtp: fmtp.into(),
        }
    }

    #[test]
    fn payload_types_map_by_codec_not_number() {
        let from = vec![
            (96, c("video/VP8", "")),
            (97, c("video/rtx", "apt=96")),
            (
                127,
                c("video/H264", "profile-level-id=42e01f;packetization-mode=1"),
            ),
            (
                125,
                c("video/H264", "profile-level-id=42e01f;packetization-mode=0"),
            ),
        ];
        let to = vec![
            (100, c("video/vp8", "")),
            (
                102,
                c("video/H264", "packetization-mode=1;profile-level-id=42001f"),
            ),
        ];
        let m = map_payload_types(&from, &to);
        assert_eq!(m, vec![(96, 100), (127, 102)]);
    }

    #[test]
    fn extensions_map_by_uri_and_hop_by_hop_ones_are_dropped() {
        let from = vec![
            ("urn:ietf:params:rtp-hdrext:sdes:mid".to_string(), 4),
            (AUDIO_LEVEL_URI.to_string(), 1),
            (VIDEO_ORIENTATION_URI.to_string(), 13),
        ];
        let to = vec![
            (AUDIO_LEVEL_URI.to_string(), 6),
            ("urn:ietf:params:rtp-hdrext:sdes:mid".to_string(), 1),
        ];
        assert_eq!(map_extensions(&from, &to), vec![(1, 6)]);
    }
}
