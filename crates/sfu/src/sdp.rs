//! The little SDP reading the SFU does itself: which m-lines a publisher offers (to know its
//! publications before any packet arrives), and announcing public IPs in place of the bound
//! host address (webrtc-rs ignores `with_nat_1to1_ips`).

use std::net::IpAddr;

use crate::MediaKind;
use crate::codecs::CodecSpec;

/// One media section of an offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MediaSection {
    pub(crate) mid: String,
    pub(crate) kind: Option<MediaKind>,
    /// The offerer sends on it (sendonly or sendrecv, port not 0).
    pub(crate) sending: bool,
    /// Payload types with their codec (`a=rtpmap` + `a=fmtp`).
    pub(crate) codecs: Vec<(u8, CodecSpec)>,
    /// Header extensions (URI, id) (`a=extmap`).
    pub(crate) extensions: Vec<(String, u8)>,
}

/// Lists the media sections of an SDP. Sections without a mid get their index as mid (as
/// webrtc-rs does for legacy offers).
pub(crate) fn media_sections(sdp: &str) -> Vec<MediaSection> {
    let mut out: Vec<MediaSection> = Vec::new();
    let mut session_direction = "sendrecv";
    let mut cur: Option<(MediaSection, Option<String>, bool)> = None;
    let finish = |cur: Option<(MediaSection, Option<String>, bool)>,
                  out: &mut Vec<MediaSection>,
                  session_direction: &str| {
        if let Some((mut s, dir, port_zero)) = cur {
            let dir = dir.as_deref().unwrap_or(session_direction);
            s.sending = !port_zero && (dir == "sendonly" || dir == "sendrecv");
            if s.mid.is_empty() {
                s.mid = out.len().to_string();
            }
            out.push(s);
        }
    };
    for line in sdp.lines() {
        let line = line.trim_end_matches('\r');
        if let Some(m) = line.strip_prefix("m=") {
            finish(cur.take(), &mut out, session_direction);
            let mut parts = m.split_whitespace();
            let kind = match parts.next() {
                Some("audio") => Some(MediaKind::Audio),
                Some("video") => Some(MediaKind::Video),
                _ => None,
            };
            let port_zero = parts.next() == Some("0");
            cur = Some((
                MediaSection {
                    mid: String::new(),
                    kind,
                    sending: false,
                    codecs: Vec::new(),
                    extensions: Vec::new(),
                },
                None,
                port_zero,
            ));
            continue;
        }
        let Some(attr) = line.strip_prefix("a=") else {
            continue;
        };
        let is_direction = matches!(attr, "sendonly" | "sendrecv" | "recvonly" | "inactive");
        match cur.as_mut() {
            None => {
                if is_direction {
                    session_direction = attr;
                }
            }
            Some((s, dir, _)) => {
                if let Some(mid) = attr.strip_prefix("mid:") {
                    s.mid = mid.trim().to_string();
                } else if let Some(rtpmap) = attr.strip_prefix("rtpmap:") {
                    let prefix = match s.kind {
                        Some(MediaKind::Audio) => "audio",
                        Some(MediaKind::Video) => "video",
                        None => "application",
                    };
                    if let Some(c) = parse_rtpmap(prefix, rtpmap) {
                        s.codecs.push(c);
                    }
                } else if let Some(fmtp) = attr.strip_prefix("fmtp:") {
                    if let Some((pt, params)) = fmtp.split_once(' ')
                        && let Ok(pt) = pt.parse::<u8>()
                        && let Some((_, c)) = s.codecs.iter_mut().find(|(p, _)| *p == pt)
                    {
                        c.fmtp = params.trim().to_string();
                    }
                } else if let Some(extmap) = attr.strip_prefix("extmap:") {
                    // `<id>[/<direction>] <uri> [attributes]`
                    let mut f = extmap.split_whitespace();
                    if let (Some(id), Some(uri)) = (f.next(), f.next())
                        && let Ok(id) = id.split('/').next().unwrap_or("").parse::<u8>()
                    {
                        s.extensions.push((uri.to_string(), id));
                    }
                } else if is_direction {
                    *dir = Some(attr.to_string());
                }
            }
        }
    }
    finish(cur, &mut out, session_direction);
    out
}

/// `<pt> <name>/<clock>[/<channels>]`
fn parse_rtpmap(prefix: &str, v: &str) -> Option<(u8, CodecSpec)> {
    let (pt, codec) = v.trim().split_once(' ')?;
    let pt = pt.parse::<u8>().ok()?;
    let mut f = codec.split('/');
    let name = f.next()?;
    let clock_rate = f.next()?.parse::<u32>().ok()?;
    Some((
        pt,
        CodecSpec {
            mime_type: format!("{prefix}/{name}"),
            clock_rate,
            fmtp: String::new(),
        },
    ))
}

/// Replaces the address of every host candidate with the announced addresses (one candidate
/// per announced address, distinct foundations), in `a=candidate` lines of an SDP.
pub(crate) fn announce_ips(sdp: &str, announced: &[IpAddr]) -> String {
    if announced.is_empty() {
        return sdp.to_string();
    }
    let mut out = String::with_capacity(sdp.len() + 128);
    let mut seen: Vec<String> = Vec::new();
    let mut section = 0usize;
    for line in sdp.split_inclusive('\n') {
        let body = line.trim_end_matches(['\r', '\n']);
        let eol = &line[body.len()..];
        if body.starts_with("m=") {
            section += 1;
            seen.clear();
        }
        match body
            .strip_prefix("a=")
            .and_then(|c| rewrite_candidate(c, announced))
        {
            Some(lines) => {
                for l in lines {
                    // Several bound interfaces collapse onto the same announced address: keep one.
                    let key = format!("{section}|{}", strip_foundation(&l));
                    if !seen.contains(&key) {
                        seen.push(key);
                        out.push_str("a=");
                        out.push_str(&l);
                        out.push_str(if eol.is_empty() { "\r\n" } else { eol });
                    }
                }
            }
            None => out.push_str(line),
        }
    }
    out
}

fn strip_foundation(candidate: &str) -> &str {
    candidate
        .split_once(' ')
        .map(|(_, rest)| rest)
        .unwrap_or(candidate)
}

/// `candidate:<foundation> <component> <transport> <priority> <address> <port> typ host ...`
/// → the same candidate once per announced address. `None` if not a host candidate.
pub(crate) fn rewrite_candidate(candidate: &str, announced: &[IpAddr]) -> Option<Vec<String>> {
    let rest = candidate.strip_prefix("candidate:")?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    if fields.len() < 8 || fields[6] != "typ" || fields[7] != "host" {
        return None;
    }
    Some(
        announced
            .iter()
            .enumerate()
            .map(|(i, ip)| {
                let mut f: Vec<String> = fields.iter().map(|s| s.to_string()).collect();
                if i > 0 {
                    f[0] = format!("{}{}", fields[0], i);
                }
                f[4] = ip.to_string();
                format!("candidate:{}", f.join(" "))
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const OFFER: &str = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1 2\r\n\
m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=sendonly\r\n\
m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\na=mid:1\r\na=sendrecv\r\na=extmap:4/sendonly urn:ietf:params:rtp-hdrext:sdes:mid\r\n\
a=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1;profile-level-id=42e01f\r\na=rtpmap:97 rtx/90000\r\n\
m=video 0 UDP/TLS/RTP/SAVPF 96\r\na=mid:2\r\na=sendonly\r\n\
m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:3\r\n";

    #[test]
    fn sections_kinds_and_directions() {
        let s = media_sections(OFFER);
        assert_eq!(s.len(), 4);
        assert_eq!(
            (s[0].mid.as_str(), s[0].kind, s[0].sending),
            ("0", Some(MediaKind::Audio), true)
        );
        assert_eq!(
            (s[1].mid.as_str(), s[1].kind, s[1].sending),
            ("1", Some(MediaKind::Video), true)
        );
        assert!(!s[2].sending, "port 0 is a rejected section");
        assert_eq!(s[1].codecs.len(), 2);
        assert_eq!(s[1].codecs[0].0, 96);
        assert_eq!(s[1].codecs[0].1.mime_type, "video/H264");
        assert_eq!(s[1].codecs[0].1.clock_rate, 90_000);
        assert_eq!(
            s[1].codecs[0].1.fmtp,
            "packetization-mode=1;profile-level-id=42e01f"
        );
        assert!(s[1].codecs[1].1.is_repair());
        assert_eq!(
            s[1].extensions,
            vec![("urn:ietf:params:rtp-hdrext:sdes:mid".to_string(), 4)]
        );
        assert_eq!(s[3].kind, None);
        assert!(media_sections("garbage").is_empty());
    }

    #[test]
    fn host_candidates_get_the_announced_address() {
        let sdp = "m=audio 9 RTP 111\r\na=candidate:1 1 udp 2130706431 10.0.0.5 50001 typ host\r\n\
a=candidate:2 1 udp 2130706431 10.0.0.6 50001 typ host\r\n\
a=candidate:3 1 udp 1694498815 1.2.3.4 50001 typ srflx raddr 0.0.0.0 rport 0\r\na=mid:0\r\n";
        let ip: IpAddr = "203.0.113.7".parse().unwrap();
        let out = announce_ips(sdp, &[ip]);
        assert!(out.contains("a=candidate:1 1 udp 2130706431 203.0.113.7 50001 typ host\r\n"));
        assert!(!out.contains("10.0.0."), "{out}");
        assert_eq!(
            out.matches("typ host").count(),
            1,
            "two interfaces, one announced address"
        );
        assert!(out.contains("typ srflx"));
        assert!(out.ends_with("a=mid:0\r\n"));
        assert_eq!(announce_ips(sdp, &[]), sdp);
    }
}
