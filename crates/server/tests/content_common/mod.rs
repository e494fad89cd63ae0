//! Shared by the content suites (content_*.rs): a session with its staff and an audience,
//! uploads as the panel sends them (multipart, `x-csrf-token`), and real files made at test
//! time: PNG and PDF bytes written here, JPEG and MP4 by ffmpeg (a test fails, never skips,
//! when ffmpeg is missing: `scripts/install-deps`).
#![allow(dead_code)] // each suite uses a part

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use amphi_server::Config;
use amphi_store::{
    Backend, Content, ContentId, ContentStatus, NewRoom, NewSession, Session, SessionStatus,
    SessionUpdate, StaffRole, User,
};
use reqwest::StatusCode;
use serde_json::Value;

use crate::common::{Browser, TestServer};

pub const SLUG: &str = "launch";

/// One signed-in person and their Login's CSRF token.
pub struct Person {
    pub user: User,
    pub browser: Browser,
    pub csrf: String,
}

/// A session held in the owner's room, with a moderator and a speaker named on its staff, a
/// signed-in attendee (not staff), the moderator of another session, and an anonymous visitor.
pub struct Scene {
    pub ts: TestServer,
    pub session: Session,
    pub other_session: Session,
    pub owner: Person,
    pub moderator: Person,
    pub speaker: Person,
    pub attendee: Person,
    pub other_staff: Person,
    pub anonymous: Browser,
}

async fn person(ts: &TestServer, email: &str) -> Person {
    let (user, browser) = ts.signed_in(email, false).await;
    let csrf = browser.csrf().await;
    Person {
        user,
        browser,
        csrf,
    }
}

async fn session(ts: &TestServer, owner: &User, slug: &str) -> Session {
    let room = ts
        .db
        .store
        .create_room(NewRoom {
            slug: format!("room-{slug}"),
            name: format!("Room {slug}"),
            owner_id: owner.id.clone(),
        })
        .await
        .expect("room");
    ts.db
        .store
        .create_session(NewSession {
            slug: slug.to_owned(),
            room_id: room.id,
            title: format!("Session {slug}"),
            description: String::new(),
            starts_at: 1_900_000_000_000,
            ends_at: 1_900_000_003_600,
            time_zone: "Europe/Paris".to_owned(),
            status: SessionStatus::Draft,
            created_by: owner.id.clone(),
        })
        .await
        .expect("session")
}

impl Scene {
    pub async fn new(backend: Backend) -> Scene {
        Scene::with(backend, |_| {}).await
    }

    pub async fn with(backend: Backend, adjust: impl FnOnce(&mut Config)) -> Scene {
        let ts = TestServer::start_with(backend, adjust).await;
        let owner = person(&ts, "owner@example.org").await;
        let moderator = person(&ts, "mod@example.org").await;
        let speaker = person(&ts, "speaker@example.org").await;
        let attendee = person(&ts, "attendee@example.org").await;
        let other_staff = person(&ts, "other@example.org").await;
        let session = session(&ts, &owner.user, SLUG).await;
        let other_session = session_of(&ts, &other_staff.user, "other").await;
        let store = &ts.db.store;
        store
            .set_staff(&session.id, "mod@example.org", StaffRole::Moderator)
            .await
            .expect("moderator named");
        store
            .set_staff(&session.id, "speaker@example.org", StaffRole::Speaker)
            .await
            .expect("speaker named");
        store
            .set_staff(&other_session.id, "other@example.org", StaffRole::Moderator)
            .await
            .expect("other moderator named");
        let anonymous = ts.browser();
        Scene {
            ts,
            session,
            other_session,
            owner,
            moderator,
            speaker,
            attendee,
            other_staff,
            anonymous,
        }
    }

    /// Publishes the session: anyone may then view it (and its content).
    pub async fn publish(&self) {
        let s = &self.session;
        self.ts
            .db
            .store
            .update_session(
                &s.id,
                SessionUpdate {
                    title: s.title.clone(),
                    description: s.description.clone(),
                    room_id: s.room_id.clone(),
                    starts_at: s.starts_at,
                    ends_at: s.ends_at,
                    time_zone: s.time_zone.clone(),
                    status: SessionStatus::Published,
                },
            )
            .await
            .expect("published");
    }

    pub fn data_dir(&self) -> PathBuf {
        self.ts.server().state.config.data.dir.clone()
    }

    /// The content folders on disk (`<data>/content/<id>`), without `tmp`.
    pub fn content_folders(&self) -> Vec<String> {
        folders(&self.data_dir().join("content"))
    }

    /// Files left in `<data>/content/tmp`.
    pub fn temp_files(&self) -> Vec<String> {
        entries(&self.data_dir().join("content").join("tmp"))
    }

    pub async fn contents(&self) -> Vec<Content> {
        self.ts
            .db
            .store
            .session_contents(&self.session.id)
            .await
            .expect("list")
    }

    /// Nothing of a refused upload is left: no item, no folder, no temporary file.
    pub async fn assert_nothing_kept(&self, what: &str) {
        assert!(self.contents().await.is_empty(), "{what}: nothing stored");
        assert!(self.content_folders().is_empty(), "{what}: no folder");
        assert!(self.temp_files().is_empty(), "{what}: no temporary file");
    }

    /// Polls the store until the item leaves `processing` (at most `limit`).
    pub async fn settled(&self, id: &str, limit: Duration) -> Content {
        let started = Instant::now();
        loop {
            let c = self
                .ts
                .db
                .store
                .content_by_id(&ContentId::new(id))
                .await
                .expect("read")
                .expect("still there");
            if c.status != ContentStatus::Processing {
                return c;
            }
            assert!(
                started.elapsed() < limit,
                "{id} still processing after {limit:?} ({}%)",
                c.progress
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn stop(self) {
        self.ts.stop().await;
    }
}

async fn session_of(ts: &TestServer, owner: &User, slug: &str) -> Session {
    session(ts, owner, slug).await
}

fn entries(dir: &Path) -> Vec<String> {
    let Ok(read) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    read.filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str().map(str::to_owned))
        .collect()
}

fn folders(dir: &Path) -> Vec<String> {
    entries(dir).into_iter().filter(|n| n != "tmp").collect()
}

// ---- Requests ----------------------------------------------------------------------------

/// A multipart body with one `file` field, as a browser's FormData sends it.
pub fn multipart(filename: &str, content_type: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----amphi-test-7d3f0c2e";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; \
         filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A reply: status, JSON body (Null if none), headers.
pub struct Reply {
    pub status: StatusCode,
    pub json: Value,
    pub headers: reqwest::header::HeaderMap,
}

impl Reply {
    pub fn error(&self) -> &str {
        self.json["error"].as_str().unwrap_or("")
    }

    pub fn content_id(&self) -> String {
        self.json["content"]["content_id"]
            .as_str()
            .unwrap_or_else(|| panic!("no content in {}", self.json))
            .to_owned()
    }
}

async fn reply(response: reqwest::Response) -> Reply {
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.expect("body");
    Reply {
        status,
        json: serde_json::from_str(&text).unwrap_or(Value::Null),
        headers,
    }
}

/// `POST /s/{slug}/content` with the file, as the panel sends it (`lang`: Accept-Language).
pub async fn upload_as(
    browser: &Browser,
    slug: &str,
    csrf: Option<&str>,
    filename: &str,
    content_type: &str,
    bytes: &[u8],
    lang: &str,
) -> Reply {
    let (ct, body) = multipart(filename, content_type, bytes);
    let mut request = browser
        .client
        .post(format!("{}/s/{slug}/content", browser.base))
        .header("content-type", ct)
        .header("accept-language", lang)
        .body(body);
    if let Some(csrf) = csrf {
        request = request.header("x-csrf-token", csrf);
    }
    reply(request.send().await.expect("upload sent")).await
}

/// An upload by a staff member of the scene's session, in English.
pub async fn upload(p: &Person, filename: &str, content_type: &str, bytes: &[u8]) -> Reply {
    upload_as(
        &p.browser,
        SLUG,
        Some(&p.csrf),
        filename,
        content_type,
        bytes,
        "en",
    )
    .await
}

pub async fn delete(p: &Person, slug: &str, id: &str) -> Reply {
    let response = p
        .browser
        .client
        .post(format!("{}/s/{slug}/content/{id}/delete", p.browser.base))
        .header("x-csrf-token", &p.csrf)
        .send()
        .await
        .expect("delete sent");
    reply(response).await
}

pub async fn list(browser: &Browser, slug: &str) -> Reply {
    let response = browser
        .client
        .get(format!("{}/s/{slug}/content", browser.base))
        .send()
        .await
        .expect("list sent");
    reply(response).await
}

/// `GET path` with extra headers: status, headers and the raw bytes.
pub async fn fetch(
    browser: &Browser,
    path: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let mut request = browser.client.get(format!("{}{path}", browser.base));
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    let response = request.send().await.expect("request sent");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.expect("body").to_vec();
    (status, headers, bytes)
}

pub fn header<'a>(headers: &'a reqwest::header::HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

// ---- Files -------------------------------------------------------------------------------

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&u32::try_from(data.len()).expect("small").to_be_bytes());
    let mut typed = kind.to_vec();
    typed.extend_from_slice(data);
    out.extend_from_slice(&typed);
    out.extend_from_slice(&crc32(&typed).to_be_bytes());
}

/// A real RGB PNG of `width` × `height` (a gradient; zlib "stored" blocks, so its size is
/// about 3 bytes a pixel: handy for size limits).
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let mut raw = Vec::new();
    for y in 0..height {
        raw.push(0); // filter: none
        for x in 0..width {
            raw.extend_from_slice(&[(x % 256) as u8, (y % 256) as u8, ((x ^ y) % 256) as u8]);
        }
    }
    let mut zlib = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (i, block) in blocks.iter().enumerate() {
        zlib.push(u8::from(i + 1 == blocks.len()));
        let len = u16::try_from(block.len()).expect("block");
        zlib.extend_from_slice(&len.to_le_bytes());
        zlib.extend_from_slice(&(!len).to_le_bytes());
        zlib.extend_from_slice(block);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in &raw {
        a = (a + u32::from(byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    zlib.extend_from_slice(&((b << 16) | a).to_be_bytes());
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    png_chunk(&mut out, b"IHDR", &ihdr);
    png_chunk(&mut out, b"IDAT", &zlib);
    png_chunk(&mut out, b"IEND", &[]);
    out
}

/// A valid PDF of `pages` letter pages, each saying "Page n"; `content` replaces a page's
/// drawing (for a page that takes long to render).
pub fn pdf_with(pages: usize, content: impl Fn(usize) -> String) -> Vec<u8> {
    let mut objects = vec![
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        format!(
            "<< /Type /Pages /Kids [{}] /Count {pages} >>",
            (0..pages)
                .map(|i| format!("{} 0 R", 3 + 2 * i))
                .collect::<Vec<_>>()
                .join(" ")
        ),
    ];
    for i in 0..pages {
        let stream = content(i + 1);
        objects.push(format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {} 0 R \
             /Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica \
             >> >> >> >>",
            4 + 2 * i
        ));
        objects.push(format!(
            "<< /Length {} >>\nstream\n{stream}\nendstream",
            stream.len()
        ));
    }
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

pub fn pdf(pages: usize) -> Vec<u8> {
    pdf_with(pages, |n| {
        format!("BT /F1 48 Tf 100 400 Td (Page {n}) Tj ET")
    })
}

/// Runs ffmpeg with `args` writing `out.<ext>` in a temp dir, and returns the file.
pub fn ffmpeg(args: &[&str], ext: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join(format!("out.{ext}"));
    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-nostdin", "-y"])
        .args(args)
        .arg(&out)
        .status()
        .expect("ffmpeg must be installed (scripts/install-deps)");
    assert!(status.success(), "ffmpeg {args:?} failed");
    std::fs::read(&out).expect("ffmpeg output")
}

/// A 64×48 JPEG.
pub fn jpeg() -> Vec<u8> {
    static JPEG: OnceLock<Vec<u8>> = OnceLock::new();
    JPEG.get_or_init(|| {
        ffmpeg(
            &["-f", "lavfi", "-i", "testsrc=size=64x48", "-frames:v", "1"],
            "jpg",
        )
    })
    .clone()
}

fn test_video(codec: &[&str], faststart: bool) -> Vec<u8> {
    let mut args = vec![
        "-f",
        "lavfi",
        "-i",
        "testsrc=duration=6:size=320x240:rate=25",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:duration=6",
        "-shortest",
        "-c:a",
        "aac",
    ];
    args.extend_from_slice(codec);
    if faststart {
        args.extend_from_slice(&["-movflags", "+faststart"]);
    }
    ffmpeg(&args, "mp4")
}

/// A 6 s H.264 + AAC MP4 with its index first.
pub fn mp4_faststart() -> Vec<u8> {
    static V: OnceLock<Vec<u8>> = OnceLock::new();
    V.get_or_init(|| test_video(&["-c:v", "libx264", "-pix_fmt", "yuv420p"], true))
        .clone()
}

/// The same with its index last (ffmpeg's default): the server remuxes it.
pub fn mp4_index_last() -> Vec<u8> {
    static V: OnceLock<Vec<u8>> = OnceLock::new();
    V.get_or_init(|| test_video(&["-c:v", "libx264", "-pix_fmt", "yuv420p"], false))
        .clone()
}

/// An MP4 whose video is MPEG-4 Part 2: no browser plays it.
pub fn mp4_mpeg4_part2() -> Vec<u8> {
    static V: OnceLock<Vec<u8>> = OnceLock::new();
    V.get_or_init(|| test_video(&["-c:v", "mpeg4"], true))
        .clone()
}

/// Where a top-level MP4 box starts, if it is there.
pub fn box_at(bytes: &[u8], kind: &[u8; 4]) -> Option<usize> {
    let mut at = 0usize;
    while at + 8 <= bytes.len() {
        let size = u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
        if &bytes[at + 4..at + 8] == kind {
            return Some(at);
        }
        if size < 8 {
            return None;
        }
        at += size as usize;
    }
    None
}
