//! Texts of content uploads (issue 5, C2/C8), in both languages: the messages shown next to
//! the upload field when a file is refused. (The browser's own texts are in
//! `web/locales/*/content.json`.)

use crate::content::image::{MAX_PIXELS, MAX_SIDE};
use crate::content::refusal::Refusal;
use crate::content::sniff::Sniffed;
use crate::content::video::{self, VideoProblem};
use crate::i18n::Lang;

use crate::content::image::ImageProblem;

/// The message for a refusal, for people, in `lang`.
pub fn refusal(lang: Lang, r: &Refusal) -> String {
    match lang {
        Lang::En => english(r),
        Lang::Fr => french(r),
    }
}

fn english(r: &Refusal) -> String {
    match r {
        Refusal::SignIn => "Sign in to manage this session's content.".into(),
        Refusal::Csrf => "This page is out of date: reload it and try again.".into(),
        Refusal::NotStaff => "Only the session's speakers and moderators can do this.".into(),
        Refusal::NoFile => "Choose a file to upload.".into(),
        Refusal::Empty => "This file is empty.".into(),
        Refusal::WrongType => {
            "This file is not a PDF, an image (PNG, JPEG) or an MP4 video.".into()
        }
        Refusal::TooLarge { kind, limit_mb } => {
            let what = match kind {
                Sniffed::Png | Sniffed::Jpeg => "Images",
                Sniffed::Pdf => "PDF files",
                Sniffed::Mp4 => "Videos",
            };
            format!("This file is too large: {what} may be at most {limit_mb} MB.")
        }
        Refusal::Image(ImageProblem::Unreadable) => {
            "This image cannot be read: it may be damaged.".into()
        }
        Refusal::Image(ImageProblem::BadSize { width, height }) => format!(
            "This image is {width} × {height} pixels: images may be at most {MAX_SIDE} pixels \
             on a side and {} megapixels.",
            MAX_PIXELS / 1_000_000
        ),
        Refusal::PdfUnreadable => {
            "This PDF cannot be read: it may be damaged or protected by a password.".into()
        }
        Refusal::TooManyPages { pages, limit } => {
            format!("This PDF has {pages} pages: the limit is {limit}.")
        }
        Refusal::Video(p) => match p {
            VideoProblem::Unreadable => "This video cannot be read as an MP4 file.".into(),
            VideoProblem::NoVideo => "This MP4 file has no picture, only sound.".into(),
            VideoProblem::VideoCodec(found) => format!(
                "This video is encoded as {found}, which browsers do not play. Convert it to \
                 H.264 (for example with HandBrake) and upload it again."
            ),
            VideoProblem::PixelFormat(found) => format!(
                "This H.264 video uses a colour format browsers do not play ({found}: 10-bit \
                 or 4:2:2/4:4:4). Convert it to 8-bit 4:2:0 H.264 and upload it again."
            ),
            VideoProblem::AudioCodec(found) => format!(
                "The sound of this video is encoded as {found}, which browsers do not play. \
                 Convert it to AAC and upload it again."
            ),
            VideoProblem::BadSize { width, height } => format!(
                "This video is {width} × {height} pixels: videos may be at most {} pixels on a \
                 side.",
                video::MAX_SIDE
            ),
        },
        Refusal::Interrupted => "The upload was interrupted: try again.".into(),
    }
}

fn french(r: &Refusal) -> String {
    match r {
        Refusal::SignIn => "Connectez-vous pour gérer les contenus de cette session.".into(),
        Refusal::Csrf => "Cette page n’est plus à jour : rechargez-la et réessayez.".into(),
        Refusal::NotStaff => {
            "Seuls les intervenants et les modérateurs de la session peuvent faire cela.".into()
        }
        Refusal::NoFile => "Choisissez un fichier à envoyer.".into(),
        Refusal::Empty => "Ce fichier est vide.".into(),
        Refusal::WrongType => {
            "Ce fichier n’est ni un PDF, ni une image (PNG, JPEG), ni une vidéo MP4.".into()
        }
        Refusal::TooLarge { kind, limit_mb } => {
            let what = match kind {
                Sniffed::Png | Sniffed::Jpeg => "une image",
                Sniffed::Pdf => "un PDF",
                Sniffed::Mp4 => "une vidéo",
            };
            format!("Ce fichier est trop volumineux : {what} peut faire au plus {limit_mb} Mo.")
        }
        Refusal::Image(ImageProblem::Unreadable) => {
            "Cette image est illisible : elle est peut-être endommagée.".into()
        }
        Refusal::Image(ImageProblem::BadSize { width, height }) => format!(
            "Cette image fait {width} × {height} pixels : une image peut faire au plus \
             {MAX_SIDE} pixels de côté et {} mégapixels.",
            MAX_PIXELS / 1_000_000
        ),
        Refusal::PdfUnreadable => {
            "Ce PDF est illisible : il est peut-être endommagé ou protégé par un mot de passe."
                .into()
        }
        Refusal::TooManyPages { pages, limit } => {
            format!("Ce PDF a {pages} pages : la limite est de {limit}.")
        }
        Refusal::Video(p) => match p {
            VideoProblem::Unreadable => "Cette vidéo n’est pas un fichier MP4 lisible.".into(),
            VideoProblem::NoVideo => "Ce fichier MP4 n’a pas d’image, seulement du son.".into(),
            VideoProblem::VideoCodec(found) => format!(
                "Cette vidéo est encodée en {found}, que les navigateurs ne lisent pas. \
                 Convertissez-la en H.264 (par exemple avec HandBrake) puis envoyez-la de nouveau."
            ),
            VideoProblem::PixelFormat(found) => format!(
                "Cette vidéo H.264 utilise un format de couleurs que les navigateurs ne lisent \
                 pas ({found} : 10 bits ou 4:2:2/4:4:4). Convertissez-la en H.264 8 bits 4:2:0 \
                 puis envoyez-la de nouveau."
            ),
            VideoProblem::AudioCodec(found) => format!(
                "Le son de cette vidéo est encodé en {found}, que les navigateurs ne lisent pas. \
                 Convertissez-le en AAC puis envoyez la vidéo de nouveau."
            ),
            VideoProblem::BadSize { width, height } => format!(
                "Cette vidéo fait {width} × {height} pixels : une vidéo peut faire au plus {} \
                 pixels de côté.",
                video::MAX_SIDE
            ),
        },
        Refusal::Interrupted => "L’envoi a été interrompu : réessayez.".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_refusal_reads_in_both_languages() {
        let all = [
            Refusal::SignIn,
            Refusal::Csrf,
            Refusal::NotStaff,
            Refusal::NoFile,
            Refusal::Empty,
            Refusal::WrongType,
            Refusal::TooLarge {
                kind: Sniffed::Pdf,
                limit_mb: 100,
            },
            Refusal::Image(ImageProblem::Unreadable),
            Refusal::Image(ImageProblem::BadSize {
                width: 1,
                height: 0,
            }),
            Refusal::PdfUnreadable,
            Refusal::TooManyPages {
                pages: 312,
                limit: 300,
            },
            Refusal::Video(VideoProblem::VideoCodec("MPEG-4 Part 2".into())),
            Refusal::Video(VideoProblem::AudioCodec("Opus".into())),
            Refusal::Interrupted,
        ];
        for r in &all {
            let (en, fr) = (refusal(Lang::En, r), refusal(Lang::Fr, r));
            assert!(!en.is_empty() && !fr.is_empty() && en != fr, "{r:?}");
        }
        assert_eq!(
            refusal(Lang::En, &Refusal::WrongType),
            "This file is not a PDF, an image (PNG, JPEG) or an MP4 video."
        );
        assert!(
            refusal(
                Lang::Fr,
                &Refusal::Video(VideoProblem::VideoCodec("MPEG-4 Part 2".into()))
            )
            .contains("MPEG-4 Part 2")
        );
    }
}
