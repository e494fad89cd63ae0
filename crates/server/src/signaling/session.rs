//! A session's socket: `GET /s/{slug}/ws`, and the store's live as the protocol shows it (a
//! content row's view is `crate::content::info`, shared with the upload's reply).

use amphi_proto::{LiveInfo, LiveState};
use amphi_store::Session;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;

use super::{Entrant, RoomSpec, SessionSpec, accept};
use crate::auth::csrf::origin_allowed;
use crate::auth::login::MaybeLogin;
use crate::{AppState, Error};

/// `GET /s/{slug}/ws`: 404 for an unknown session or one the requester may not view (a draft
/// for anyone but its staff and organisers), 403 from another site, else the WebSocket. The
/// role comes from `session_admin::role_of`.
pub(super) async fn upgrade(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    MaybeLogin(login): MaybeLogin,
    client: crate::pages::Ctx,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Result<Response, Error> {
    if !origin_allowed(&state, &headers) {
        return Err(Error::Forbidden);
    }
    let store = &state.store;
    let session = store.session_by_slug(&slug).await?.ok_or(Error::NotFound)?;
    let user = login.as_ref().map(|l| &l.user);
    if !crate::session_admin::may_view(store, &session, user).await? {
        return Err(Error::NotFound);
    }
    let role = crate::session_admin::role_of(store, &session, user).await?;
    // Registration (issue 6): an attendee needs an approved one (registration/gate.rs).
    let gate =
        crate::registration::gate::may_join_session(&state, &session, role, &headers).await?;
    if !gate.lets_in() {
        return Ok(ws.on_upgrade(|socket| {
            super::connection::refuse(
                socket,
                amphi_proto::ErrorCode::RegistrationRequired,
                "this session requires registration: register, or give your e-mail and registration ID on its page",
            )
        }));
    }
    // Deleting a room deletes its sessions: a missing room is a session about to go.
    let room = store
        .room_by_id(&session.room_id)
        .await?
        .ok_or(Error::NotFound)?;
    let contents = store
        .session_contents(&session.id)
        .await?
        .iter()
        .map(crate::content::info)
        .collect();
    let rooms = state.rooms.clone();
    let spec = RoomSpec {
        id: room.id,
        slug: session.slug.clone(),
        name: session.title.clone(),
        max_participants: room
            .max_participants
            .unwrap_or(state.config.rooms.max_participants) as usize,
        is_open: true,
        waiting_room: false,
        session: Some(SessionSpec {
            id: session.id.clone(),
            room_slug: room.slug,
            live: live_info(&session, None),
            contents,
            max_attendees: rooms.limits().max_attendees,
        }),
    };
    let entrant = Entrant {
        role,
        user_id: login.map(|l| l.user.id),
        registration: gate.registration(),
    };
    accept(state, rooms, spec, entrant, client, ws)
}

/// The stored live as the protocol shows it; `by` when known.
pub(in crate::signaling) fn live_info(session: &Session, by: Option<String>) -> LiveInfo {
    let ms = |t: Option<i64>| t.and_then(|t| u64::try_from(t).ok());
    LiveInfo {
        state: match session.live_state {
            amphi_store::LiveState::NotStarted => LiveState::NotStarted,
            amphi_store::LiveState::Live => LiveState::Live,
            amphi_store::LiveState::Ended => LiveState::Ended,
        },
        started_at: ms(session.live_started_at),
        ended_at: ms(session.live_ended_at),
        by,
    }
}
