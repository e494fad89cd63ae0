//! Session content uploads (issue 5, C2/C8), on each backend: every kind accepted and
//! processed (PNG, JPEG, a PDF rendered page by page, an MP4 served as it came or remuxed
//! for fast start), and every refusal leaving nothing behind: the type decided by content
//! whatever the name and Content-Type say, the size caps, the page cap, a damaged PDF, an
//! unplayable codec, absurd image dimensions. Also a PDF whose rendering fails ends `failed`.

mod common;
mod content_common;

use std::time::Duration;

use amphi_store::{ContentKind, ContentStatus};
use common::test_backends;
use content_common::*;
use reqwest::StatusCode;

const WRONG_TYPE: &str = "This file is not a PDF, an image (PNG, JPEG) or an MP4 video.";

#[tokio::test]
async fn every_kind_is_accepted_and_processed() {
    for backend in test_backends() {
        let scene = Scene::new(backend).await;
        let m = &scene.moderator;

        // PNG: ready at once, served as it came.
        let png = png(320, 200);
        let r = upload(m, "diagram.png", "image/png", &png).await;
        assert_eq!(r.status, StatusCode::OK, "{backend:?}: {}", r.json);
        assert_eq!(r.json["content"]["kind"], "image");
        assert_eq!(r.json["content"]["status"], "ready");
        assert_eq!(r.json["content"]["name"], "diagram.png");
        let png_id = r.content_id();
        let (status, headers, bytes) =
            fetch(&m.browser, &format!("/s/{SLUG}/content/{png_id}"), &[]).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(header(&headers, "content-type"), "image/png");
        assert_eq!(bytes, png);

        // JPEG.
        let r = upload(m, "photo.jpg", "image/jpeg", &jpeg()).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.json);
        assert_eq!(r.json["content"]["status"], "ready");
        let (_, headers, bytes) = fetch(
            &m.browser,
            &format!("/s/{SLUG}/content/{}", r.content_id()),
            &[],
        )
        .await;
        assert_eq!(header(&headers, "content-type"), "image/jpeg");
        assert_eq!(bytes, jpeg());

        // PDF: processing, then each page rendered.
        let r = upload(m, "slides.pdf", "application/pdf", &pdf(3)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.json);
        assert_eq!(r.json["content"]["kind"], "pdf");
        let pdf_id = r.content_id();
        let done = scene.settled(&pdf_id, Duration::from_secs(60)).await;
        assert_eq!(
            (done.status, done.pages, done.progress),
            (ContentStatus::Ready, Some(3), 100),
            "{backend:?}: {:?}",
            done.error
        );
        for n in 1..=3 {
            let (status, headers, bytes) = fetch(
                &m.browser,
                &format!("/s/{SLUG}/content/{pdf_id}/page/{n}"),
                &[],
            )
            .await;
            assert_eq!(status, StatusCode::OK, "page {n}");
            assert_eq!(header(&headers, "content-type"), "image/png");
            assert!(bytes.starts_with(b"\x89PNG"), "page {n} is a PNG");
            // `-scale-to 1600`: the longer side (the height of a letter page) is 1600 px.
            let height = u32::from_be_bytes([bytes[20], bytes[21], bytes[22], bytes[23]]);
            assert_eq!(height, 1600, "page {n}");
        }
        for path in ["page/0", "page/4", "page/x"] {
            let (status, _, _) = fetch(
                &m.browser,
                &format!("/s/{SLUG}/content/{pdf_id}/{path}"),
                &[],
            )
            .await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        }
        let (status, _, _) = fetch(&m.browser, &format!("/s/{SLUG}/content/{pdf_id}"), &[]).await;
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "a PDF is shown by its pages only"
        );

        // MP4 with its index first: ready at once, served byte for byte.
        let video = mp4_faststart();
        let r = upload(m, "clip.mp4", "video/mp4", &video).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.json);
        assert_eq!(r.json["content"]["kind"], "video");
        assert_eq!(r.json["content"]["status"], "ready");
        let (status, headers, bytes) = fetch(
            &m.browser,
            &format!("/s/{SLUG}/content/{}", r.content_id()),
            &[],
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(header(&headers, "content-type"), "video/mp4");
        assert_eq!(bytes, video);

        // MP4 with its index last: remuxed so that browsers can start at once.
        let late = mp4_index_last();
        assert!(
            box_at(&late, b"moov") > box_at(&late, b"mdat"),
            "the fixture has its index last"
        );
        let r = upload(m, "late-index.mp4", "video/mp4", &late).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.json);
        let id = r.content_id();
        let done = scene.settled(&id, Duration::from_secs(60)).await;
        assert_eq!(done.status, ContentStatus::Ready, "{:?}", done.error);
        let (_, _, bytes) = fetch(&m.browser, &format!("/s/{SLUG}/content/{id}"), &[]).await;
        let (moov, mdat) = (box_at(&bytes, b"moov"), box_at(&bytes, b"mdat"));
        assert!(
            moov.is_some() && moov < mdat,
            "moov {moov:?} before mdat {mdat:?}"
        );

        let kinds: Vec<ContentKind> = scene.contents().await.iter().map(|c| c.kind).collect();
        assert_eq!(
            kinds,
            [
                ContentKind::Image,
                ContentKind::Image,
                ContentKind::Pdf,
                ContentKind::Video,
                ContentKind::Video
            ]
        );
        assert_eq!(scene.content_folders().len(), 5);
        assert!(scene.temp_files().is_empty(), "no temporary file is left");
        scene.stop().await;
    }
}

#[tokio::test]
async fn the_type_comes_from_the_content_not_the_name() {
    for backend in test_backends() {
        let scene = Scene::new(backend).await;
        let m = &scene.moderator;
        // A GIF dressed as a PDF, an HTML page dressed as a PNG, a zip (.pptx) as an MP4.
        let disguised: [(&str, &str, &[u8]); 4] = [
            (
                "slides.pdf",
                "application/pdf",
                b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
            ),
            (
                "photo.png",
                "image/png",
                b"<html><script>alert(1)</script></html>",
            ),
            (
                "deck.mp4",
                "video/mp4",
                b"PK\x03\x04\x14\x00\x06\x00 pptx inside",
            ),
            (
                "movie.mp4",
                "video/mp4",
                &[
                    0, 0, 0, 20, b'f', b't', b'y', b'p', b'q', b't', b' ', b' ', 0, 0, 0, 0, b'q',
                    b't', b' ', b' ',
                ],
            ),
        ];
        for (name, ct, bytes) in disguised {
            let r = upload(m, name, ct, bytes).await;
            assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{name}");
            assert_eq!(r.error(), WRONG_TYPE, "{name}");
            assert_eq!(r.json["field"], "file");
            scene.assert_nothing_kept(name).await;
        }
        // An empty file.
        let r = upload(m, "empty.pdf", "application/pdf", b"").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert_eq!(r.error(), "This file is empty.");

        // In French for a French browser.
        let r = upload_as(
            &m.browser,
            SLUG,
            Some(&m.csrf),
            "x.pdf",
            "application/pdf",
            b"GIF89a",
            "fr-FR,fr;q=0.9",
        )
        .await;
        assert_eq!(
            r.error(),
            "Ce fichier n’est ni un PDF, ni une image (PNG, JPEG), ni une vidéo MP4."
        );

        // The other way round: a real PDF named and typed as a PNG is a PDF.
        let r = upload(m, "holiday.png", "image/png", &pdf(1)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.json);
        assert_eq!(r.json["content"]["kind"], "pdf");
        assert_eq!(
            r.json["content"]["name"], "holiday.png",
            "the name is kept for people"
        );
        let done = scene
            .settled(&r.content_id(), Duration::from_secs(60))
            .await;
        assert_eq!(done.status, ContentStatus::Ready);

        // A name is only shown: path parts are dropped (control characters too: unit test).
        let r = upload(m, "../../etc/passwd.png", "image/png", &png(8, 8)).await;
        assert_eq!(r.json["content"]["name"], "passwd.png");
        scene.stop().await;
    }
}

#[tokio::test]
async fn too_large_files_are_refused_and_nothing_is_kept() {
    for backend in test_backends() {
        let scene = Scene::with(backend, |c| {
            c.content.max_image_mb = 1;
            c.content.max_pdf_mb = 1;
            c.content.max_video_mb = 2;
        })
        .await;
        let m = &scene.moderator;
        let big_png = png(700, 600); // 3 bytes a pixel: 1.2 MiB
        assert!(big_png.len() > 1024 * 1024);
        let r = upload(m, "big.png", "image/png", &big_png).await;
        assert_eq!(
            r.status,
            StatusCode::PAYLOAD_TOO_LARGE,
            "{backend:?}: {}",
            r.json
        );
        assert_eq!(
            r.error(),
            "This file is too large: Images may be at most 1 MB."
        );
        scene.assert_nothing_kept("big image").await;

        // The same size passes as a video, whose cap is 2 MB; not as a PDF.
        let mut big_pdf = pdf(1);
        big_pdf.extend(std::iter::repeat_n(b'%', 1024 * 1024));
        let r = upload(m, "big.pdf", "application/pdf", &big_pdf).await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(
            r.error(),
            "This file is too large: PDF files may be at most 1 MB."
        );
        let mut big_video = mp4_faststart();
        big_video.extend(vec![0u8; 2 * 1024 * 1024]);
        let r = upload(m, "big.mp4", "video/mp4", &big_video).await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(
            r.error(),
            "This file is too large: Videos may be at most 2 MB."
        );
        scene.assert_nothing_kept("big files").await;

        // Just under the cap is fine.
        let r = upload(m, "small.png", "image/png", &png(500, 600)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.json);
        scene.stop().await;
    }
}

#[tokio::test]
async fn too_many_pages_damaged_pdf_and_odd_images_are_refused() {
    for backend in test_backends() {
        let scene = Scene::with(backend, |c| c.content.max_pdf_pages = 5).await;
        let m = &scene.moderator;
        let r = upload(m, "long.pdf", "application/pdf", &pdf(6)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?}");
        assert_eq!(r.error(), "This PDF has 6 pages: the limit is 5.");
        scene.assert_nothing_kept("too many pages").await;

        let mut damaged = b"%PDF-1.4\n".to_vec();
        damaged.extend_from_slice(&[0x5A; 4000]);
        let r = upload(m, "damaged.pdf", "application/pdf", &damaged).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            r.error(),
            "This PDF cannot be read: it may be damaged or protected by a password."
        );
        let mut cut = pdf(3);
        cut.truncate(150);
        let r = upload(m, "cut.pdf", "application/pdf", &cut).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "a truncated PDF"
        );
        scene.assert_nothing_kept("damaged PDFs").await;

        // A PNG whose header claims 20000 × 10 pixels.
        let mut wide = png(4, 4);
        wide[16..20].copy_from_slice(&20_000u32.to_be_bytes());
        wide[20..24].copy_from_slice(&10u32.to_be_bytes());
        let r = upload(m, "wide.png", "image/png", &wide).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.error().starts_with("This image is 20000 × 10 pixels"),
            "{}",
            r.error()
        );
        // A JPEG cut before its frame header.
        let r = upload(m, "cut.jpg", "image/jpeg", &jpeg()[..20]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.error(), "This image cannot be read: it may be damaged.");
        scene.assert_nothing_kept("odd images").await;
        scene.stop().await;
    }
}

#[tokio::test]
async fn a_video_browsers_cannot_play_is_refused_naming_its_codec() {
    for backend in test_backends() {
        let scene = Scene::new(backend).await;
        let m = &scene.moderator;
        let r = upload(m, "old.mp4", "video/mp4", &mp4_mpeg4_part2()).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{backend:?}: {}",
            r.json
        );
        assert_eq!(
            r.error(),
            "This video is encoded as MPEG-4 Part 2, which browsers do not play. Convert it \
             to H.264 (for example with HandBrake) and upload it again."
        );
        // An ftyp box and nothing a demuxer can read.
        let mut junk = mp4_faststart()[..32].to_vec();
        junk.extend_from_slice(&[0xEE; 5000]);
        let r = upload(m, "junk.mp4", "video/mp4", &junk).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.error(), "This video cannot be read as an MP4 file.");
        scene.assert_nothing_kept("unplayable videos").await;
        scene.stop().await;
    }
}

#[tokio::test]
async fn a_pdf_whose_rendering_fails_ends_failed_with_its_files_removed() {
    for backend in test_backends() {
        // One page of 40,000 strokes takes pdftoppm several seconds: past a 1 s limit, it is
        // killed and the PDF fails.
        let scene = Scene::with(backend, |c| c.content.pdf_page_timeout_secs = 1).await;
        let m = &scene.moderator;
        let heavy = pdf_with(2, |n| {
            if n == 1 {
                return "BT /F1 48 Tf 100 400 Td (Page 1) Tj ET".to_owned();
            }
            (0..40_000)
                .map(|i| {
                    format!(
                        "{} {} m {} {} l S\n",
                        i % 600,
                        i % 700,
                        (i * 7) % 600,
                        (i * 13) % 790
                    )
                })
                .collect()
        });
        let r = upload(m, "heavy.pdf", "application/pdf", &heavy).await;
        assert_eq!(r.status, StatusCode::OK, "{backend:?}: {}", r.json);
        let id = r.content_id();
        let done = scene.settled(&id, Duration::from_secs(60)).await;
        assert_eq!(done.status, ContentStatus::Failed, "{backend:?}");
        assert_eq!(done.error.as_deref(), Some("pdf_render_timeout"));
        assert!(
            scene.content_folders().is_empty(),
            "a failed item's files are removed"
        );
        let listed = list(&m.browser, SLUG).await;
        assert_eq!(listed.json["contents"][0]["status"], "failed");
        assert_eq!(listed.json["contents"][0]["error"], "pdf_render_timeout");
        let (status, _, _) =
            fetch(&m.browser, &format!("/s/{SLUG}/content/{id}/page/1"), &[]).await;
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "nothing of a failed item is served"
        );
        scene.stop().await;
    }
}
