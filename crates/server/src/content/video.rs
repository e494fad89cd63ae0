//! MP4 videos: what `ffprobe` finds in them (only H.264 video, 8-bit 4:2:0, with AAC or MP3
//! sound or none, plays in every browser), and whether the index (`moov`) comes before the
//! media (`mdat`), which a browser needs to start playing before it has the whole file.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use serde::Deserialize;

/// Either side above this is refused (4K is 3840×2160; beyond, browsers struggle).
pub const MAX_SIDE: u32 = 4096;

/// Why a video is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VideoProblem {
    /// `ffprobe` cannot read it, or it is not an MP4 container.
    Unreadable,
    /// There is no video track.
    NoVideo,
    /// The video codec is not H.264: what was found, for people (e.g. "MPEG-4 Part 2").
    VideoCodec(String),
    /// H.264, but a pixel format browsers do not decode (10-bit, 4:2:2, 4:4:4).
    PixelFormat(String),
    /// The sound codec is not AAC or MP3: what was found.
    AudioCodec(String),
    /// Zero or beyond [`MAX_SIDE`].
    BadSize { width: u32, height: u32 },
}

/// What the server keeps knowing about an accepted video.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoFacts {
    pub width: u32,
    pub height: u32,
    pub duration_ms: u64,
}

#[derive(Debug, Deserialize)]
struct Probe {
    #[serde(default)]
    streams: Vec<Stream>,
    format: Option<Format>,
}

#[derive(Debug, Deserialize)]
struct Stream {
    #[serde(default)]
    codec_type: String,
    #[serde(default)]
    codec_name: String,
    #[serde(default)]
    pix_fmt: String,
    #[serde(default)]
    width: u32,
    #[serde(default)]
    height: u32,
    #[serde(default)]
    disposition: Disposition,
}

#[derive(Debug, Default, Deserialize)]
struct Disposition {
    /// A cover picture stored as a one-frame video stream: not the video.
    #[serde(default)]
    attached_pic: u8,
}

#[derive(Debug, Deserialize)]
struct Format {
    #[serde(default)]
    format_name: String,
    /// Seconds, as text ("12.345000").
    duration: Option<String>,
}

/// The arguments for `ffprobe` that [`check_probe`] reads the output of (the file follows).
pub const FFPROBE_ARGS: &[&str] = &[
    "-v",
    "error",
    "-print_format",
    "json",
    "-show_format",
    "-show_streams",
];

/// Checks `ffprobe`'s JSON output.
pub fn check_probe(json: &[u8]) -> Result<VideoFacts, VideoProblem> {
    let probe: Probe = serde_json::from_slice(json).map_err(|_| VideoProblem::Unreadable)?;
    let format = probe.format.ok_or(VideoProblem::Unreadable)?;
    // The ISO-BMFF demuxer names itself "mov,mp4,m4a,3gp,3g2,mj2".
    if !format.format_name.split(',').any(|f| f == "mp4") {
        return Err(VideoProblem::Unreadable);
    }
    let video = probe
        .streams
        .iter()
        .find(|s| s.codec_type == "video" && s.disposition.attached_pic == 0)
        .ok_or(VideoProblem::NoVideo)?;
    if video.codec_name != "h264" {
        return Err(VideoProblem::VideoCodec(codec_label(&video.codec_name)));
    }
    if !matches!(video.pix_fmt.as_str(), "yuv420p" | "yuvj420p") {
        return Err(VideoProblem::PixelFormat(video.pix_fmt.clone()));
    }
    if let Some(audio) = probe
        .streams
        .iter()
        .find(|s| s.codec_type == "audio" && !matches!(s.codec_name.as_str(), "aac" | "mp3"))
    {
        return Err(VideoProblem::AudioCodec(codec_label(&audio.codec_name)));
    }
    let (width, height) = (video.width, video.height);
    if width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE {
        return Err(VideoProblem::BadSize { width, height });
    }
    let seconds = format
        .duration
        .as_deref()
        .and_then(|d| d.trim().parse::<f64>().ok())
        .filter(|d| d.is_finite() && *d > 0.0)
        .ok_or(VideoProblem::Unreadable)?;
    Ok(VideoFacts {
        width,
        height,
        // Whole milliseconds; a video longer than u64 ms does not exist.
        duration_ms: (seconds * 1000.0).round() as u64,
    })
}

/// A codec's name as people know it (ffmpeg's short names are cryptic: "mpeg4" is MPEG-4
/// Part 2, not the MP4 container).
pub fn codec_label(name: &str) -> String {
    let known = match name {
        "mpeg4" => "MPEG-4 Part 2",
        "hevc" => "H.265 (HEVC)",
        "av1" => "AV1",
        "vp9" => "VP9",
        "vp8" => "VP8",
        "mpeg2video" => "MPEG-2",
        "mpeg1video" => "MPEG-1",
        "prores" => "ProRes",
        "mjpeg" => "Motion JPEG",
        "h263" => "H.263",
        "ac3" => "Dolby Digital (AC-3)",
        "eac3" => "Dolby Digital Plus (E-AC-3)",
        "opus" => "Opus",
        "flac" => "FLAC",
        "alac" => "Apple Lossless",
        "" => "unknown",
        other => return other.to_owned(),
    };
    known.to_owned()
}

/// Whether the MP4 at `path` has its `moov` box before its `mdat` box ("fast start").
/// `None` if neither is found among the top-level boxes. Blocking: call it from
/// `spawn_blocking`.
pub fn moov_first(path: &Path) -> std::io::Result<Option<bool>> {
    let mut file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    let mut at = 0u64;
    // Top-level boxes are few (ftyp, free, moov, mdat, ...); the bound is against garbage.
    for _ in 0..1000 {
        if at + 8 > len {
            return Ok(None);
        }
        file.seek(SeekFrom::Start(at))?;
        let mut header = [0u8; 16];
        file.read_exact(&mut header[..8])?;
        let kind = &header[4..8];
        if kind == b"moov" {
            return Ok(Some(true));
        }
        if kind == b"mdat" {
            return Ok(Some(false));
        }
        let size = u64::from(u32::from_be_bytes([
            header[0], header[1], header[2], header[3],
        ]));
        let size = match size {
            0 => return Ok(None), // the last box, to the end of the file
            1 => {
                file.read_exact(&mut header[8..16])?;
                u64::from_be_bytes([
                    header[8], header[9], header[10], header[11], header[12], header[13],
                    header[14], header[15],
                ])
            }
            n => n,
        };
        if size < 8 {
            return Ok(None);
        }
        at = at.saturating_add(size);
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe(streams: &str, duration: &str) -> Vec<u8> {
        format!(
            r#"{{"streams":[{streams}],"format":{{"format_name":"mov,mp4,m4a,3gp,3g2,mj2","duration":"{duration}"}}}}"#
        )
        .into_bytes()
    }

    const H264: &str = r#"{"codec_type":"video","codec_name":"h264","pix_fmt":"yuv420p","width":1280,"height":720}"#;
    const AAC: &str = r#"{"codec_type":"audio","codec_name":"aac"}"#;

    #[test]
    fn h264_with_or_without_aac() {
        let facts = check_probe(&probe(&format!("{H264},{AAC}"), "12.5")).expect("plays");
        assert_eq!(
            facts,
            VideoFacts {
                width: 1280,
                height: 720,
                duration_ms: 12_500
            }
        );
        assert!(check_probe(&probe(H264, "1.0")).is_ok(), "no sound is fine");
    }

    #[test]
    fn what_browsers_cannot_play_is_named() {
        let mpeg4 = r#"{"codec_type":"video","codec_name":"mpeg4","pix_fmt":"yuv420p","width":320,"height":240}"#;
        assert_eq!(
            check_probe(&probe(mpeg4, "1")),
            Err(VideoProblem::VideoCodec("MPEG-4 Part 2".into()))
        );
        let hi10 = H264.replace("yuv420p", "yuv420p10le");
        assert_eq!(
            check_probe(&probe(&hi10, "1")),
            Err(VideoProblem::PixelFormat("yuv420p10le".into()))
        );
        let ac3 = r#"{"codec_type":"audio","codec_name":"ac3"}"#;
        assert_eq!(
            check_probe(&probe(&format!("{H264},{ac3}"), "1")),
            Err(VideoProblem::AudioCodec("Dolby Digital (AC-3)".into()))
        );
        assert_eq!(check_probe(&probe(AAC, "1")), Err(VideoProblem::NoVideo));
        let cover = r#"{"codec_type":"video","codec_name":"h264","pix_fmt":"yuv420p","width":1,"height":1,"disposition":{"attached_pic":1}}"#;
        assert_eq!(
            check_probe(&probe(&format!("{cover},{AAC}"), "1")),
            Err(VideoProblem::NoVideo),
            "a cover picture is not a video"
        );
        let huge = H264.replace("1280", "7680");
        assert!(matches!(
            check_probe(&probe(&huge, "1")),
            Err(VideoProblem::BadSize { .. })
        ));
    }

    #[test]
    fn unreadable_probes() {
        assert_eq!(check_probe(b"not json"), Err(VideoProblem::Unreadable));
        assert_eq!(
            check_probe(&probe(H264, "N/A")),
            Err(VideoProblem::Unreadable)
        );
        let webm = br#"{"streams":[],"format":{"format_name":"matroska,webm","duration":"1"}}"#;
        assert_eq!(check_probe(webm), Err(VideoProblem::Unreadable));
    }

    fn boxes(kinds: &[&[u8; 4]]) -> Vec<u8> {
        let mut b = Vec::new();
        for k in kinds {
            b.extend_from_slice(&16u32.to_be_bytes());
            b.extend_from_slice(*k);
            b.extend_from_slice(&[0; 8]);
        }
        b
    }

    #[test]
    fn box_order() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("v.mp4");
        let order = |bytes: Vec<u8>| {
            std::fs::write(&path, bytes).expect("write");
            moov_first(&path).expect("readable")
        };
        assert_eq!(order(boxes(&[b"ftyp", b"moov", b"mdat"])), Some(true));
        assert_eq!(
            order(boxes(&[b"ftyp", b"free", b"mdat", b"moov"])),
            Some(false)
        );
        assert_eq!(order(boxes(&[b"ftyp", b"free"])), None);
        // A 64-bit box size (size field 1) before the moov.
        let mut big = boxes(&[b"ftyp"]);
        big.extend_from_slice(&1u32.to_be_bytes());
        big.extend_from_slice(b"free");
        big.extend_from_slice(&24u64.to_be_bytes());
        big.extend_from_slice(&[0; 8]);
        big.extend_from_slice(&boxes(&[b"moov"]));
        assert_eq!(order(big), Some(true));
    }
}
