//! What a publisher may declare: the `tracks` of a publisher offer must name sending media
//! sections of that offer, each source at most once, and no more than [`MAX_TRACKS`]. Only
//! listed sections publish, so one offer cannot fan out into hundreds of publications.

use std::collections::HashSet;

use crate::sdp;
use crate::{MediaKind, SfuError, Source, TrackSource};

/// Publications one participant may have at once: one per [`Source`].
pub const MAX_TRACKS: usize = 4;

impl Source {
    /// The kind of media this source carries.
    pub fn kind(self) -> MediaKind {
        match self {
            Source::Microphone | Source::ScreenAudio => MediaKind::Audio,
            Source::Camera | Source::Screen => MediaKind::Video,
        }
    }
}

/// Checks a publisher offer's `tracks` against its SDP, without touching any connection:
/// at most [`MAX_TRACKS`] entries, no mid nor source twice, and every listed mid a sending
/// media section of `sdp` whose kind is the source's ([`SfuError::InvalidTracks`]; an SDP without
/// any media section is [`SfuError::InvalidSdp`]). [`crate::MediaParticipant::publisher_offer`]
/// checks the same; callers may check first to refuse before doing anything else.
pub fn check_tracks(sdp_text: &str, tracks: &[TrackSource]) -> Result<(), SfuError> {
    if tracks.len() > MAX_TRACKS {
        return Err(SfuError::InvalidTracks(format!(
            "{} tracks listed, at most {MAX_TRACKS}",
            tracks.len()
        )));
    }
    let sections = sdp::media_sections(sdp_text);
    if sections.is_empty() {
        return Err(SfuError::InvalidSdp("no media section".into()));
    }
    let mut mids = HashSet::new();
    let mut sources = HashSet::new();
    for t in tracks {
        if !mids.insert(t.mid.as_str()) {
            return Err(SfuError::InvalidTracks(format!(
                "mid {:?} listed twice",
                t.mid
            )));
        }
        if !sources.insert(t.source) {
            return Err(SfuError::InvalidTracks(format!(
                "source {:?} listed twice",
                t.source
            )));
        }
        let Some(section) = sections.iter().find(|s| s.mid == t.mid) else {
            return Err(SfuError::InvalidTracks(format!(
                "mid {:?} is not a media section of the offer",
                t.mid
            )));
        };
        if !section.sending {
            return Err(SfuError::InvalidTracks(format!(
                "mid {:?} does not send",
                t.mid
            )));
        }
        if section.kind != Some(t.source.kind()) {
            return Err(SfuError::InvalidTracks(format!(
                "mid {:?} is not {:?} media, as source {:?} needs",
                t.mid,
                t.source.kind(),
                t.source
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offer(sections: &[(&str, &str, &str)]) -> String {
        let mut s = String::from("v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n");
        for (kind, mid, dir) in sections {
            s.push_str(&format!(
                "m={kind} 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:{mid}\r\na={dir}\r\n"
            ));
        }
        s
    }

    fn t(mid: &str, source: Source) -> TrackSource {
        TrackSource {
            mid: mid.into(),
            source,
        }
    }

    #[test]
    fn listed_tracks_must_be_sending_sections_of_their_kind() {
        let sdp = offer(&[
            ("audio", "0", "sendonly"),
            ("video", "1", "sendonly"),
            ("video", "2", "recvonly"),
            ("video", "3", "sendrecv"),
        ]);
        let ok = [t("0", Source::Microphone), t("1", Source::Camera)];
        assert!(check_tracks(&sdp, &ok).is_ok());
        assert!(
            check_tracks(&sdp, &[]).is_ok(),
            "nothing listed: nothing published"
        );
        for bad in [
            vec![t("9", Source::Camera)],
            vec![t("2", Source::Camera)],
            vec![t("0", Source::Camera)],
            vec![t("1", Source::Microphone)],
            vec![t("1", Source::Camera), t("3", Source::Camera)],
            vec![t("1", Source::Camera), t("1", Source::Screen)],
        ] {
            assert!(
                matches!(check_tracks(&sdp, &bad), Err(SfuError::InvalidTracks(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn no_more_than_four_tracks() {
        let many: Vec<(String, String, String)> = (0..5)
            .map(|i| ("video".into(), i.to_string(), "sendonly".into()))
            .collect();
        let refs: Vec<(&str, &str, &str)> = many
            .iter()
            .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
            .collect();
        let sdp = offer(&refs);
        let five: Vec<TrackSource> = [
            Source::Camera,
            Source::Screen,
            Source::Microphone,
            Source::ScreenAudio,
            Source::Camera,
        ]
        .iter()
        .enumerate()
        .map(|(i, s)| t(&i.to_string(), *s))
        .collect();
        assert!(matches!(
            check_tracks(&sdp, &five),
            Err(SfuError::InvalidTracks(m)) if m.contains("at most 4")
        ));
    }
}
