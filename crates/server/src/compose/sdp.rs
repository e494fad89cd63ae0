//! The SDP that tells an ffmpeg decoder what arrives on its local UDP port: one m-line, the
//! tapped publication's codec under its own payload type.

use amphi_sfu::TapCodec;

/// An SDP for one RTP stream sent to `127.0.0.1:port`.
pub fn for_input(codec: &TapCodec, port: u16) -> String {
    let media = if codec.channels > 0 { "audio" } else { "video" };
    let pt = codec.payload_type;
    let mut rtpmap = format!("{}/{}", codec.encoding_name(), codec.clock_rate);
    if codec.channels > 0 {
        rtpmap.push_str(&format!("/{}", codec.channels));
    }
    let mut sdp = format!(
        "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=amphi\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
         m={media} {port} RTP/AVP {pt}\r\na=rtpmap:{pt} {rtpmap}\r\n"
    );
    // Only the characters an fmtp line carries: a browser's value never reaches ffmpeg as
    // anything but parameters.
    let fmtp: String = codec
        .fmtp
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "=;-_.,/+".contains(*c))
        .collect();
    if !fmtp.is_empty() {
        sdp.push_str(&format!("a=fmtp:{pt} {fmtp}\r\n"));
    }
    sdp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audio_and_video_lines() {
        let opus = TapCodec {
            payload_type: 111,
            mime_type: "audio/opus".into(),
            clock_rate: 48_000,
            channels: 2,
            fmtp: "minptime=10;useinbandfec=1\r\nx".into(),
        };
        let sdp = for_input(&opus, 40_000);
        assert!(sdp.contains("m=audio 40000 RTP/AVP 111\r\na=rtpmap:111 opus/48000/2\r\n"));
        assert!(
            sdp.contains("a=fmtp:111 minptime=10;useinbandfec=1x\r\n"),
            "{sdp}"
        );
        let vp8 = TapCodec {
            payload_type: 96,
            mime_type: "video/VP8".into(),
            clock_rate: 90_000,
            channels: 0,
            fmtp: String::new(),
        };
        let sdp = for_input(&vp8, 40_002);
        assert!(sdp.contains("m=video 40002 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\n"));
        assert!(!sdp.contains("fmtp"));
    }
}
