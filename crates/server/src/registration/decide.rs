//! Approving or rejecting registrations (G2): one path for the organiser's list and the API,
//! so both change the store the same way and mail each person whose status changed.

use amphi_store::{Registration, RegistrationId, RegistrationStatus};
use axum::http::HeaderMap;

use super::place::{Place, mail_for_status};
use super::scope::Scope;
use crate::{AppState, Error};

/// Sets `status` on the registrations `ids` of `scope` (ids of another scope are ignored) and
/// mails each person whose status changed. Returns the registrations that changed.
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
    if let Some(kind) = mail_for_status(status) {
        let place = Place::of_scope(state, scope).await?;
        for r in &changed {
            place.send(state, headers, kind, r).await;
        }
    }
    Ok(changed)
}
