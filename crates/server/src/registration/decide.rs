//! Approving or rejecting registrations (G2): one path for the organiser's list and the API,
//! so both change the store the same way, mail each person whose status changed, and end the
//! sockets of those no longer approved.

use amphi_store::{Registration, RegistrationId, RegistrationStatus};
use axum::http::HeaderMap;

use super::place::{Place, mail_for_status};
use super::scope::Scope;
use crate::webhooks::{RegistrationData, WebhookEvent};
use crate::{AppState, Error};

/// Sets `status` on the registrations `ids` of `scope` (ids of another scope are ignored) and
/// mails each person whose status changed; each newly approved one is a
/// `registration.approved` webhook event. Returns the registrations that changed.
pub async fn decide(
    state: &AppState,
    headers: &HeaderMap,
    scope: &Scope,
    ids: &[RegistrationId],
    status: RegistrationStatus,
) -> Result<Vec<Registration>, Error> {
    let target = scope.target();
    let changed = state
        .store
        .set_registration_status(&target, ids, status)
        .await?;
    tracing::info!(target = ?target, changed = changed.len(), ?status, "registrations changed");
    if status == RegistrationStatus::Approved {
        let (room, session) = match scope {
            Scope::Session(s) => (None, Some(s.slug.as_str())),
            Scope::Room(r) => (Some(r.slug.as_str()), None),
            Scope::Series(_) => (None, None),
        };
        for r in &changed {
            state
                .webhooks
                .emit(WebhookEvent::RegistrationApproved(RegistrationData::of(
                    r, room, session,
                )));
        }
    }
    if let Some(kind) = mail_for_status(status) {
        let place = Place::of_scope(state, scope).await?;
        for r in &changed {
            place.send(state, headers, kind, r).await;
        }
    }
    // Those already in with a registration no longer approved go now (the gate keeps them out
    // from now on; without this they would stay until they left).
    if status != RegistrationStatus::Approved {
        let ids: Vec<RegistrationId> = changed.iter().map(|r| r.id.clone()).collect();
        state.rooms.registrations_revoked(&ids).await;
    }
    Ok(changed)
}
