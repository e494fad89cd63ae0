//! A participant publishing real media through the signaling: a webrtc-rs peer with a VP8
//! track (camera or screen) and an Opus track (microphone), fed by `ffmpeg -re` replaying a
//! file made once (`testsrc2` picture, 440 Hz tone) as RTP to local UDP ports.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;

use rtc::media_stream::MediaStreamTrack;
use rtc::peer_connection::configuration::media_engine::{MIME_TYPE_OPUS, MIME_TYPE_VP8};
use rtc::rtp_transceiver::rtp_sender::{
    RTCRtpCodec, RTCRtpCodingParameters, RTCRtpEncodingParameters, RtpCodecKind,
};
use serde_json::json;
use tokio::net::UdpSocket;
use tokio::sync::OnceCell;
use webrtc::media_stream::track_local::TrackLocal;
use webrtc::media_stream::track_local::static_rtp::TrackLocalStaticRTP;

use crate::signaling_common::peer::Peer;
use crate::signaling_common::{Client, Harness};
use amphi_proto::ServerMessage;

static MEDIA: OnceCell<Arc<PathBuf>> = OnceCell::const_new();
static SECOND_VOICE: OnceCell<Arc<PathBuf>> = OnceCell::const_new();
static SCREEN: OnceCell<Arc<PathBuf>> = OnceCell::const_new();

/// Runs ffmpeg to make `name` in the build's temp folder once.
async fn make_once(name: &str, args: &[&str]) -> Arc<PathBuf> {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    if !path.exists() {
        let part = path.with_extension("part.webm");
        let status = tokio::process::Command::new("ffmpeg")
            .args(["-hide_banner", "-loglevel", "error", "-y"])
            .args(args)
            .arg(&part)
            .status()
            .await
            .expect("ffmpeg runs (apt install ffmpeg)");
        assert!(status.success(), "test media made");
        std::fs::rename(&part, &path).expect("media in place");
    }
    Arc::new(path)
}

/// A shared "screen": 40 s of plain yellow VP8 (480×270, 5 fps), no sound.
pub async fn screen_file() -> Arc<PathBuf> {
    SCREEN
        .get_or_init(|| {
            make_once(
                "recording-screen-v1.webm",
                &[
                    "-f",
                    "lavfi",
                    "-i",
                    "color=c=yellow:s=480x270:r=5",
                    "-t",
                    "40",
                    "-c:v",
                    "libvpx",
                    "-deadline",
                    "realtime",
                    "-cpu-used",
                    "8",
                    "-b:v",
                    "100k",
                    "-g",
                    "10",
                ],
            )
        })
        .await
        .clone()
}

/// A busier shared screen for the benchmark: 40 s of `testsrc` at 1280×720, 5 fps.
pub async fn bench_screen_file() -> Arc<PathBuf> {
    make_once(
        "recording-screen720-v1.webm",
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc=s=1280x720:r=5",
            "-t",
            "40",
            "-c:v",
            "libvpx",
            "-deadline",
            "realtime",
            "-cpu-used",
            "8",
            "-b:v",
            "800k",
            "-g",
            "10",
        ],
    )
    .await
}

/// `<build tmp>/recording-av-v1.webm`: 40 s of VP8 `testsrc2` (480×270, 20 fps) and a 440 Hz
/// Opus tone; made with ffmpeg on first use (ffmpeg is required: the test fails without it).
pub async fn media_file() -> Arc<PathBuf> {
    MEDIA
        .get_or_init(|| av_file("recording-av-v1.webm", 440))
        .await
        .clone()
}

/// The same picture with a 660 Hz tone, for a second participant: two equal 440 Hz tones mixed
/// at opposite phases cancel out, and the replay's tone check then fails by chance.
pub async fn second_voice_file() -> Arc<PathBuf> {
    SECOND_VOICE
        .get_or_init(|| av_file("recording-av-660-v1.webm", 660))
        .await
        .clone()
}

async fn av_file(name: &str, tone_hz: u32) -> Arc<PathBuf> {
    let sine = format!("sine=frequency={tone_hz}:sample_rate=48000");
    make_once(
        name,
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=s=480x270:r=20",
            "-f",
            "lavfi",
            "-i",
            &sine,
            "-t",
            "40",
            "-map",
            "0:v",
            "-c:v",
            "libvpx",
            "-deadline",
            "realtime",
            "-cpu-used",
            "8",
            "-b:v",
            "500k",
            "-g",
            "40",
            "-map",
            "1:a",
            "-c:a",
            "libopus",
            "-b:a",
            "64k",
            "-ac",
            "2",
        ],
    )
    .await
}

/// A participant sending its camera (or screen) and microphone.
pub struct Publisher {
    pub client: Client,
    pub peer: Peer,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    ffmpeg: tokio::process::Child,
}

impl Drop for Publisher {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
        let _ = self.ffmpeg.start_kill();
    }
}

fn track(id: &str, kind: RtpCodecKind, ssrc: u32) -> Arc<TrackLocalStaticRTP> {
    let codec = match kind {
        RtpCodecKind::Audio => RTCRtpCodec {
            mime_type: MIME_TYPE_OPUS.into(),
            clock_rate: 48_000,
            channels: 2,
            sdp_fmtp_line: "minptime=10;useinbandfec=1".into(),
            rtcp_feedback: vec![],
        },
        _ => RTCRtpCodec {
            mime_type: MIME_TYPE_VP8.into(),
            clock_rate: 90_000,
            channels: 0,
            sdp_fmtp_line: String::new(),
            rtcp_feedback: vec![],
        },
    };
    Arc::new(TrackLocalStaticRTP::new(MediaStreamTrack::new(
        format!("stream-{id}"),
        id.into(),
        id.into(),
        kind,
        vec![RTCRtpEncodingParameters {
            rtp_coding_parameters: RTCRtpCodingParameters {
                ssrc: Some(ssrc),
                ..Default::default()
            },
            codec,
            ..Default::default()
        }],
    )))
}

/// The `a=mid:` values of an SDP, in order.
fn mids(sdp: &str) -> Vec<String> {
    sdp.lines()
        .filter_map(|l| l.trim().strip_prefix("a=mid:"))
        .map(str::to_owned)
        .collect()
}

/// Reads plain RTP from `socket` and writes it to `track` as `pt`/`ssrc`.
fn pump(
    socket: UdpSocket,
    track: Arc<TrackLocalStaticRTP>,
    pt: u8,
    ssrc: u32,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut buf = vec![0u8; 2048];
        while let Ok(n) = socket.recv(&mut buf).await {
            let b = &buf[..n];
            if n < 12 || b[0] >> 6 != 2 || (72..=76).contains(&(b[1] & 0x7f)) {
                continue; // not RTP (RTCP shares nothing here, but be safe)
            }
            let cc = usize::from(b[0] & 0x0f);
            let mut off = 12 + 4 * cc;
            if b[0] & 0x10 != 0 && n >= off + 4 {
                off += 4 + 4 * usize::from(u16::from_be_bytes([b[off + 2], b[off + 3]]));
            }
            if off > n {
                continue;
            }
            let packet = rtc::rtp::Packet {
                header: rtc::rtp::header::Header {
                    version: 2,
                    marker: b[1] & 0x80 != 0,
                    payload_type: pt,
                    sequence_number: u16::from_be_bytes([b[2], b[3]]),
                    timestamp: u32::from_be_bytes([b[4], b[5], b[6], b[7]]),
                    ssrc,
                    ..Default::default()
                },
                payload: bytes::Bytes::copy_from_slice(&b[off..n]),
            };
            let _ = track.write_rtp(packet).await;
        }
    })
}

impl Publisher {
    /// `name` joins the harness's room and publishes `video_source` ("camera" or "screen")
    /// and, with `mic`, a microphone, from `media` (`lavfi` overrides the picture: e.g. a plain
    /// colour for a screen).
    pub async fn join(
        h: &Harness,
        name: &str,
        video_source: &str,
        mic: bool,
        media: &Path,
    ) -> Publisher {
        let (mut client, _) = h.join(name).await;
        let mut peer = Peer::new().await.expect("peer");
        let seed = name
            .bytes()
            .fold(7u32, |a, b| a.wrapping_mul(31).wrapping_add(u32::from(b)));
        let (vssrc, assrc) = (0x1000_0000 | (seed & 0xffff), 0x2000_0000 | (seed & 0xffff));
        let video = track("video", RtpCodecKind::Video, vssrc);
        peer.pc
            .add_track(video.clone() as Arc<dyn TrackLocal>)
            .await
            .expect("video track");
        let audio = track("audio", RtpCodecKind::Audio, assrc);
        if mic {
            peer.pc
                .add_track(audio.clone() as Arc<dyn TrackLocal>)
                .await
                .expect("audio track");
        }
        let offer = peer.offer().await.expect("offer");
        let m = mids(&offer);
        let mut tracks = vec![json!({"mid": m[0], "source": video_source})];
        if mic {
            tracks.push(json!({"mid": m[1], "source": "microphone"}));
        }
        client
            .send(json!({"type": "publish_offer", "sdp": offer, "tracks": tracks}))
            .await;
        let ServerMessage::PublishAnswer { sdp } = client
            .recv_until("publish_answer", |m| {
                matches!(m, ServerMessage::PublishAnswer { .. })
            })
            .await
        else {
            unreachable!()
        };
        peer.accept_answer(&sdp).await.expect("answer applies");
        let vsock = UdpSocket::bind("127.0.0.1:0").await.expect("udp");
        let asock = UdpSocket::bind("127.0.0.1:0").await.expect("udp");
        let vport = vsock.local_addr().expect("addr").port();
        let aport = asock.local_addr().expect("addr").port();
        let mut tasks = vec![pump(vsock, video, 96, vssrc)];
        if mic {
            tasks.push(pump(asock, audio, 111, assrc));
        }
        let mut cmd = tokio::process::Command::new("ffmpeg");
        cmd.args([
            "-hide_banner",
            "-loglevel",
            "error",
            "-nostdin",
            "-re",
            "-stream_loop",
            "-1",
        ])
        .arg("-i")
        .arg(media.as_os_str())
        .args([
            "-map",
            "0:v",
            "-c",
            "copy",
            "-payload_type",
            "96",
            "-f",
            "rtp",
        ])
        .arg(format!("rtp://127.0.0.1:{vport}?pkt_size=1100"));
        if mic {
            cmd.args([
                "-map",
                "0:a",
                "-c",
                "copy",
                "-payload_type",
                "111",
                "-f",
                "rtp",
            ])
            .arg(format!("rtp://127.0.0.1:{aport}?pkt_size=1100"));
        }
        let ffmpeg = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("ffmpeg runs");
        Publisher {
            client,
            peer,
            tasks,
            ffmpeg,
        }
    }
}
