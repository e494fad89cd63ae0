//! TURN credentials in coturn's shared-secret scheme ("TURN REST API"): the username is
//! `expiry:participant_id` (expiry in Unix seconds), the password is
//! `base64(HMAC-SHA1(secret, username))`; coturn checks both with `use-auth-secret`.

use amphi_proto::{IceServer, ParticipantId};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha1::Sha1;

use crate::config::TurnConfig;

/// The `ice_servers` of a `welcome`, at `now_unix` (seconds). Empty when no TURN/STUN URL is
/// configured; without a secret the URLs are given without credentials (STUN).
pub fn ice_servers(
    config: &TurnConfig,
    participant: &ParticipantId,
    now_unix: u64,
) -> Vec<IceServer> {
    if config.urls.is_empty() {
        return Vec::new();
    }
    let Some(secret) = &config.secret else {
        return vec![IceServer {
            urls: config.urls.clone(),
            username: None,
            credential: None,
        }];
    };
    let username = format!(
        "{}:{}",
        now_unix.saturating_add(config.ttl_secs),
        participant
    );
    vec![IceServer {
        urls: config.urls.clone(),
        credential: Some(credential(secret.expose(), &username)),
        username: Some(username),
    }]
}

/// `base64(HMAC-SHA1(secret, username))`.
fn credential(secret: &str, username: &str) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = Hmac::<Sha1>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(username.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Secret;

    #[test]
    fn matches_coturn_reference_values() {
        // Computed independently: printf '1600000000:p-1' | openssl dgst -sha1 -hmac 'north' -binary | base64
        assert_eq!(credential("north", "1600000000:p-1"), REFERENCE);
    }

    const REFERENCE: &str = "qJDQpiS4ib2F6qdiUoYw3+WMfGU=";

    #[test]
    fn builds_ice_servers_from_config() {
        let p = ParticipantId("p-1".into());
        let mut config = TurnConfig {
            urls: vec![],
            secret: Some(Secret::new("north")),
            ttl_secs: 86_400,
        };
        assert!(ice_servers(&config, &p, 1_599_913_600).is_empty());
        config.urls = vec!["turn:127.0.0.1:3478".into()];
        let servers = ice_servers(&config, &p, 1_599_913_600);
        assert_eq!(servers.len(), 1);
        assert_eq!(servers[0].username.as_deref(), Some("1600000000:p-1"));
        assert_eq!(servers[0].credential.as_deref(), Some(REFERENCE));
        config.secret = None;
        let servers = ice_servers(&config, &p, 1_599_913_600);
        assert_eq!(servers[0].username, None);
        assert_eq!(servers[0].credential, None);
    }
}
