//! The registration mails (issue 6, G2–G4) in both languages: registration received (pending),
//! confirmed (approved at once), approved (by the organiser), rejected, full. Placeholders:
//! `{name}`, `{title}`, `{info}` (when, or which room), `{code}`, `{link}` (the personal
//! link), `{page}` (the page to join from), `{email}`.

use super::Lang;

pub struct RegMailStrings {
    pub pending_subject: &'static str,
    pub pending_text: &'static str,
    pub confirmed_subject: &'static str,
    pub approved_subject: &'static str,
    /// The body of both "confirmed" and "approved".
    pub approved_text: &'static str,
    pub rejected_subject: &'static str,
    pub rejected_text: &'static str,
    pub full_subject: &'static str,
    pub full_text: &'static str,
    /// `{info}` for a session.
    pub info_when: &'static str,
    /// `{info}` for a room.
    pub info_room: &'static str,
}

pub const EN: RegMailStrings = RegMailStrings {
    pending_subject: "Registration received: {title}",
    pending_text: "Hello {name},\n\nWe received your registration for \u{201c}{title}\u{201d}.\n\n{info}\n\nThe organiser approves each registration: you will get another e-mail with your registration ID and your personal link once yours is approved.",
    confirmed_subject: "Registration confirmed: {title}",
    approved_subject: "Your registration is approved: {title}",
    approved_text: "Hello {name},\n\nYou are registered for \u{201c}{title}\u{201d}.\n\n{info}\n\nYour registration ID: {code}\n\nTo join, follow your personal link:\n{link}\n\nOr open {page} and give your e-mail address ({email}) and your registration ID.\n\nThe link and the ID are yours: do not share them.",
    rejected_subject: "Your registration was declined: {title}",
    rejected_text: "Hello {name},\n\nThe organiser of \u{201c}{title}\u{201d} declined your registration. You cannot join this session with it.",
    full_subject: "Registration full: {title}",
    full_text: "Hello {name},\n\nYou tried to register for \u{201c}{title}\u{201d}, but it is full: no more places are available. Your registration was not recorded.",
    info_when: "When: {when}",
    info_room: "Room: {room}",
};

pub const FR: RegMailStrings = RegMailStrings {
    pending_subject: "Inscription reçue : {title}",
    pending_text: "Bonjour {name},\n\nNous avons reçu votre inscription à « {title} ».\n\n{info}\n\nL\u{2019}organisateur approuve chaque inscription : vous recevrez un autre courrier électronique avec votre ID d\u{2019}inscription et votre lien personnel dès que la vôtre sera approuvée.",
    confirmed_subject: "Inscription confirmée : {title}",
    approved_subject: "Votre inscription est approuvée : {title}",
    approved_text: "Bonjour {name},\n\nVous êtes inscrit à « {title} ».\n\n{info}\n\nVotre ID d\u{2019}inscription : {code}\n\nPour rejoindre, suivez votre lien personnel :\n{link}\n\nOu ouvrez {page} et donnez votre adresse électronique ({email}) et votre ID d\u{2019}inscription.\n\nLe lien et l\u{2019}ID sont personnels : ne les partagez pas.",
    rejected_subject: "Votre inscription a été refusée : {title}",
    rejected_text: "Bonjour {name},\n\nL\u{2019}organisateur de « {title} » a refusé votre inscription. Vous ne pouvez pas rejoindre cette session avec elle.",
    full_subject: "Inscriptions complètes : {title}",
    full_text: "Bonjour {name},\n\nVous avez tenté de vous inscrire à « {title} », mais les inscriptions sont complètes : il n\u{2019}y a plus de place. Votre inscription n\u{2019}a pas été enregistrée.",
    info_when: "Quand : {when}",
    info_room: "Salle : {room}",
};

impl RegMailStrings {
    pub fn of(lang: Lang) -> &'static RegMailStrings {
        match lang {
            Lang::En => &EN,
            Lang::Fr => &FR,
        }
    }
}
