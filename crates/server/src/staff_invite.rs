//! Mailing a session's new speakers and moderators their invitation (W2): the one path for
//! the back office (`pages/programme_staff.rs`) and the API (`api/sessions.rs`), so both send
//! the same mail with the same backstage link.

use amphi_store::{Session, StaffRole};

use crate::AppState;
use crate::i18n::programme::ProgrammeStrings;
use crate::mail::Delivery;
use crate::mail::staff_invitation::{StaffInvitation, staff_invitation_mail};
use crate::pages::encode_query;
use crate::pages::programme_time::slot_in_words;

/// Who invites, and from where.
pub struct Inviter<'a> {
    /// The inviter's name as the mail shows it.
    pub name: &'a str,
    /// `state.base_url(headers)` of the inviter's request.
    pub base_url: &'a str,
    /// The mail's language.
    pub strings: &'static ProgrammeStrings,
}

/// Mails each of `addresses` (already named on the staff with `role`) an invitation to the
/// session's backstage. One outcome per address, in order: a failed mail does not stop the
/// others (the staff is named either way; the store is the truth).
pub async fn send_staff_invitations(
    state: &AppState,
    session: &Session,
    addresses: &[String],
    role: StaffRole,
    inviter: &Inviter<'_>,
) -> Vec<Result<Delivery, String>> {
    let s = inviter.strings;
    let when = slot_in_words(s, session.starts_at, session.ends_at, &session.time_zone);
    let link = format!(
        "{}/s/{}/backstage",
        inviter.base_url,
        encode_query(&session.slug)
    );
    let mut outcomes = Vec::with_capacity(addresses.len());
    for address in addresses {
        let mail = staff_invitation_mail(
            s,
            &StaffInvitation {
                to: address,
                title: &session.title,
                when: &when,
                moderator: role == StaffRole::Moderator,
                inviter: inviter.name,
                backstage_link: &link,
                codes: state.mailer.uses_smtp(),
            },
        );
        outcomes.push(state.mailer.send(&mail).await.map_err(|e| e.to_string()));
    }
    outcomes
}
