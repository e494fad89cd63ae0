//! The strings of streaming out (issue 8): the stream settings page of a room or session and
//! the stream's states in the back office. Each entry gives English then French, so a missing
//! translation cannot compile. (The room page's strings are in web/locales.)

use super::Lang;

macro_rules! strings {
    ($($name:ident: $en:expr, $fr:expr;)*) => {
        /// Every text of the streaming pages in one language.
        pub struct StreamStrings { $(pub $name: &'static str,)* }
        pub const EN: StreamStrings = StreamStrings { $($name: $en,)* };
        pub const FR: StreamStrings = StreamStrings { $($name: $fr,)* };
    };
}

strings! {
    title: "Live stream", "Diffusion en direct";
    link: "Live stream (RTMP)", "Diffusion en direct (RTMP)";
    intro: "Stream the stage to PeerTube, YouTube or any RTMP server. The stream starts shortly after the room opens (for a session: when the live starts); moderators can stop and start it from the room.", "Diffusez la scène vers PeerTube, YouTube ou tout serveur RTMP. La diffusion démarre peu après l\u{2019}ouverture de la salle (pour une session : au début du direct) ; les modérateurs peuvent l\u{2019}arrêter et la relancer depuis la salle.";
    url: "RTMP server URL", "URL du serveur RTMP";
    url_hint: "rtmp://… or rtmps://…, as your streaming service gives it, without the key.", "rtmp://… ou rtmps://…, telle que votre service de diffusion la donne, sans la clé.";
    key: "Stream key", "Clé de diffusion";
    key_hint: "Kept secret: it is never shown again in full. Leave empty to keep the current key.", "Gardée secrète : elle n\u{2019}est plus jamais affichée en entier. Laissez vide pour garder la clé actuelle.";
    key_current: "Current key:", "Clé actuelle :";
    save: "Save", "Enregistrer";
    cancel: "Back", "Retour";
    remove: "Stop streaming this room", "Ne plus diffuser cette salle";
    remove_hint: "Forgets the URL and the key; a running stream stops.", "Oublie l\u{2019}URL et la clé ; une diffusion en cours s\u{2019}arrête.";
    saved: "Stream settings saved.", "Paramètres de diffusion enregistrés.";
    removed: "Streaming turned off.", "Diffusion désactivée.";
    state_label: "Stream:", "Diffusion :";
    state_starting: "starting", "démarrage";
    state_live: "live", "en direct";
    state_stopped: "stopped", "arrêtée";
    state_failed: "failed", "échec";
    state_retrying: "retrying", "nouvelle tentative";
    err_url_empty: "Enter the RTMP server URL.", "Saisissez l\u{2019}URL du serveur RTMP.";
    err_url_scheme: "The URL must start with rtmp:// or rtmps://.", "L\u{2019}URL doit commencer par rtmp:// ou rtmps://.";
    err_url_malformed: "This URL is not valid: a host is needed, without spaces, ? or #.", "Cette URL n\u{2019}est pas valide : il faut un hôte, sans espaces, ? ni #.";
    err_key_empty: "Enter the stream key.", "Saisissez la clé de diffusion.";
    err_key_malformed: "This key is not valid: no spaces, /, ? or #.", "Cette clé n\u{2019}est pas valide : pas d\u{2019}espaces, de /, ? ni #.";
}

impl StreamStrings {
    pub fn of(lang: Lang) -> &'static StreamStrings {
        match lang {
            Lang::En => &EN,
            Lang::Fr => &FR,
        }
    }

    /// A stream state's word (the wire name: starting, live, stopped, failed, retrying).
    pub fn state(&self, state: amphi_proto::StreamState) -> &'static str {
        use amphi_proto::StreamState::*;
        match state {
            Starting => self.state_starting,
            Live => self.state_live,
            Stopped => self.state_stopped,
            Failed => self.state_failed,
            Retrying => self.state_retrying,
        }
    }
}
