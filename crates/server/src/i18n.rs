//! The back office's two languages. Strings live here, as one struct per language, so a
//! missing translation is a compile error. The language of a request: the `lang` cookie (set
//! by the switch), else the best of `Accept-Language`, else English.

use axum::http::HeaderMap;
use axum::http::header::{ACCEPT_LANGUAGE, COOKIE};

/// The cookie remembering the language chosen with the switch.
pub const LANG_COOKIE: &str = "lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Fr,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        let primary = code.split(['-', '_']).next().unwrap_or("").trim();
        if primary.eq_ignore_ascii_case("fr") {
            Some(Lang::Fr)
        } else if primary.eq_ignore_ascii_case("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The other language, offered by the switch.
    pub fn other(self) -> Lang {
        match self {
            Lang::En => Lang::Fr,
            Lang::Fr => Lang::En,
        }
    }

    /// The language's own name, as the switch shows it.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Fr => "Français",
        }
    }

    pub fn strings(self) -> &'static Strings {
        match self {
            Lang::En => &EN,
            Lang::Fr => &FR,
        }
    }

    /// The language of a request.
    pub fn from_headers(headers: &HeaderMap) -> Lang {
        if let Some(lang) = cookie(headers, LANG_COOKIE).and_then(|v| Lang::parse(&v)) {
            return lang;
        }
        headers
            .get(ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(from_accept_language)
            .unwrap_or(Lang::En)
    }
}

/// The supported language with the highest `q` in an `Accept-Language` value.
fn from_accept_language(value: &str) -> Option<Lang> {
    let mut best: Option<(f32, Lang)> = None;
    for item in value.split(',') {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or("").trim();
        let q = parts
            .find_map(|p| p.trim().strip_prefix("q="))
            .and_then(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if let Some(lang) = Lang::parse(tag)
            && q > 0.0
            && best.is_none_or(|(b, _)| q > b)
        {
            best = Some((q, lang));
        }
    }
    best.map(|(_, lang)| lang)
}

/// A cookie's value from the request headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_owned())
}

/// Every text of the back office, in one language.
#[derive(Debug)]
pub struct Strings {
    pub skip_to_content: &'static str,
    pub main_nav: &'static str,
    pub nav_rooms: &'static str,
    pub nav_users: &'static str,
    pub nav_password: &'static str,
    pub sign_out: &'static str,
    pub signed_in_as: &'static str,
    pub language_switch: &'static str,
    pub notices: &'static str,

    pub sign_in_title: &'static str,
    pub sign_in_button: &'static str,
    pub email: &'static str,
    pub password: &'static str,
    pub wrong_credentials: &'static str,
    pub signed_out: &'static str,
    pub admin_created: &'static str,
    pub no_users_yet: &'static str,

    pub setup_title: &'static str,
    pub setup_intro: &'static str,
    pub display_name: &'static str,
    pub display_name_hint: &'static str,
    pub new_password: &'static str,
    pub password_hint: &'static str,
    pub confirm_password: &'static str,
    pub setup_button: &'static str,

    pub password_title: &'static str,
    pub current_password: &'static str,
    pub password_button: &'static str,
    pub password_changed: &'static str,
    pub current_password_wrong: &'static str,

    pub rooms_title: &'static str,
    pub create_room_title: &'static str,
    pub room_name: &'static str,
    pub room_name_hint: &'static str,
    pub create_room_button: &'static str,
    pub no_rooms: &'static str,
    pub your_rooms: &'static str,
    pub col_name: &'static str,
    pub col_link: &'static str,
    pub col_actions: &'static str,
    pub copy_link: &'static str,
    pub copy_link_of: &'static str,
    pub link_copied: &'static str,
    pub copy_failed: &'static str,
    pub open_room: &'static str,
    pub open_room_of: &'static str,
    pub rename: &'static str,
    pub rename_of: &'static str,
    pub delete: &'static str,
    pub delete_of: &'static str,
    pub room_created: &'static str,
    pub room_renamed: &'static str,
    pub room_deleted: &'static str,
    pub rename_title: &'static str,
    pub new_room_name: &'static str,
    pub save: &'static str,
    pub cancel: &'static str,
    pub delete_title: &'static str,
    pub delete_warning: &'static str,
    pub delete_button: &'static str,

    // Room access (issue 4, office engineer): open/close, settings, sharing, invitations.
    pub state_open: &'static str,
    pub state_closed: &'static str,
    pub state_label: &'static str,
    pub open_action: &'static str,
    pub open_action_of: &'static str,
    pub close_action: &'static str,
    pub close_action_of: &'static str,
    pub close_confirm: &'static str,
    pub room_opened: &'static str,
    pub room_closed: &'static str,
    pub waiting_room_icon: &'static str,
    pub shared_icon: &'static str,
    pub access_manager: &'static str,
    pub access_moderator: &'static str,
    pub settings: &'static str,
    pub settings_of: &'static str,
    pub share: &'static str,
    pub share_of: &'static str,
    pub invite: &'static str,
    pub invite_of: &'static str,
    pub settings_title: &'static str,
    pub waiting_room_label: &'static str,
    pub waiting_room_hint: &'static str,
    pub cap_label: &'static str,
    pub cap_hint: &'static str,
    pub err_cap: &'static str,
    pub settings_saved: &'static str,
    pub share_title: &'static str,
    pub share_intro: &'static str,
    pub share_add_title: &'static str,
    pub share_email_hint: &'static str,
    pub share_role_label: &'static str,
    pub role_manager: &'static str,
    pub role_moderator: &'static str,
    pub role_owner: &'static str,
    pub share_button: &'static str,
    pub shares_title: &'static str,
    pub no_shares: &'static str,
    pub change_access: &'static str,
    pub change_access_of: &'static str,
    pub access_of: &'static str,
    pub unshare: &'static str,
    pub unshare_of: &'static str,
    pub err_share_unknown: &'static str,
    pub err_share_self: &'static str,
    pub err_share_owner: &'static str,
    pub err_share_disabled: &'static str,
    pub err_invite_too_many: &'static str,
    pub err_invite_quota: &'static str,
    pub err_share_role: &'static str,
    pub share_added: &'static str,
    pub share_changed: &'static str,
    pub share_removed: &'static str,
    pub invite_title: &'static str,
    pub invite_recipients: &'static str,
    pub invite_users: &'static str,
    pub invite_no_users: &'static str,
    pub invite_addresses: &'static str,
    pub invite_addresses_hint: &'static str,
    pub invite_message: &'static str,
    pub invite_mail_lang: &'static str,
    pub invite_mail_lang_button: &'static str,
    pub invite_mail_lang_hint: &'static str,
    pub invite_subject: &'static str,
    pub invite_body: &'static str,
    pub invite_send: &'static str,
    pub err_invite_no_recipient: &'static str,
    pub err_invite_bad_addresses: &'static str,
    pub err_invite_subject: &'static str,
    pub err_invite_body: &'static str,
    pub err_invite_unknown_user: &'static str,
    pub err_invite_failed: &'static str,
    pub invite_mail_subject: &'static str,
    pub invite_mail_text: &'static str,

    pub users_title: &'static str,
    pub add_user_title: &'static str,
    pub is_admin: &'static str,
    pub add_user_button: &'static str,
    pub col_email: &'static str,
    pub col_role: &'static str,
    pub col_status: &'static str,
    pub role_admin: &'static str,
    pub role_user: &'static str,
    pub status_active: &'static str,
    pub status_disabled: &'static str,
    pub disable: &'static str,
    pub disable_of: &'static str,
    pub enable: &'static str,
    pub enable_of: &'static str,
    pub you: &'static str,
    pub user_created: &'static str,
    pub user_disabled: &'static str,
    pub user_enabled: &'static str,
    pub cannot_disable_self: &'static str,

    pub err_room_name_empty: &'static str,
    pub err_room_name_long: &'static str,
    pub err_control_chars: &'static str,
    pub err_email: &'static str,
    pub err_password_short: &'static str,
    pub err_password_long: &'static str,
    pub err_passwords_differ: &'static str,
    pub err_email_taken: &'static str,
    pub err_display_name: &'static str,
    pub form_has_errors: &'static str,

    pub error_title: &'static str,
    pub not_found_title: &'static str,
    pub not_found_text: &'static str,
    pub room_not_found_title: &'static str,
    pub room_not_found_text: &'static str,
    pub forbidden_title: &'static str,
    pub forbidden_text: &'static str,
    pub csrf_title: &'static str,
    pub csrf_text: &'static str,
    pub setup_invalid_title: &'static str,
    pub setup_invalid_text: &'static str,
    pub internal_title: &'static str,
    pub internal_text: &'static str,
    pub go_home: &'static str,
    pub go_sign_in: &'static str,

    pub room_loading: &'static str,
    pub room_needs_js: &'static str,

    // Sign-in by code (R8) and the outbox. `{minutes}`, `{secs}`, `{code}`, `{email}`, `{ip}`
    // are filled in by the caller.
    pub sign_in_with_code: &'static str,
    pub code_title: &'static str,
    pub code_intro: &'static str,
    pub code_send_button: &'static str,
    pub code_sent: &'static str,
    pub code_label: &'static str,
    pub code_hint: &'static str,
    pub code_button: &'static str,
    pub code_wrong: &'static str,
    pub code_resend: &'static str,
    pub code_use_password: &'static str,
    pub code_throttled: &'static str,
    pub code_mail_subject: &'static str,
    pub code_mail_text: &'static str,
    /// `{ip}` in the code mail when the client's address is unknown.
    pub code_mail_unknown_ip: &'static str,
    /// `/signin/code` without a mail server.
    pub code_unavailable: &'static str,
    pub nav_outbox: &'static str,
    pub outbox_title: &'static str,
    pub outbox_intro_outbox: &'static str,
    pub outbox_intro_smtp: &'static str,
    pub outbox_empty: &'static str,
    pub col_date: &'static str,
    pub col_to: &'static str,
    pub col_subject: &'static str,
    pub outbox_read: &'static str,
}

impl Strings {
    /// "Too many failed attempts" with the wait, in whole seconds (at least 1).
    pub fn throttled(&self, wait_secs: u64) -> String {
        let wait = wait_secs.max(1);
        if std::ptr::eq(self, &FR) {
            format!(
                "Trop de tentatives de connexion échouées. Attendez {wait} seconde{} puis réessayez.",
                if wait > 1 { "s" } else { "" }
            )
        } else {
            format!(
                "Too many failed sign-in attempts. Wait {wait} second{} and try again.",
                if wait > 1 { "s" } else { "" }
            )
        }
    }
}

pub static EN: Strings = Strings {
    skip_to_content: "Skip to content",
    main_nav: "Main menu",
    nav_rooms: "My rooms",
    nav_users: "Users",
    nav_password: "Change password",
    sign_out: "Sign out",
    signed_in_as: "Signed in as",
    language_switch: "Language",
    notices: "Messages",

    sign_in_title: "Sign in",
    sign_in_button: "Sign in",
    email: "E-mail address",
    password: "Password",
    wrong_credentials: "Wrong e-mail address or password.",
    signed_out: "You are signed out.",
    admin_created: "The administrator account is ready. Sign in with it.",
    no_users_yet: "No account exists yet. Open the first-run setup link that the server printed when it started, to create the administrator.",

    setup_title: "Create the administrator",
    setup_intro: "Welcome to Amphi. This one-time page creates the first administrator account. The link stops working once the account exists.",
    display_name: "Your name",
    display_name_hint: "Shown to others; optional.",
    new_password: "New password",
    password_hint: "At least 10 characters.",
    confirm_password: "Confirm the password",
    setup_button: "Create the administrator",

    password_title: "Change password",
    current_password: "Current password",
    password_button: "Change password",
    password_changed: "Your password is changed. Other browsers signed in with your account are signed out.",
    current_password_wrong: "The current password is wrong.",

    rooms_title: "My rooms",
    create_room_title: "Create a room",
    room_name: "Room name",
    room_name_hint: "1 to 100 characters. The link is made from the name and never changes.",
    create_room_button: "Create the room",
    no_rooms: "You have no rooms yet. Create one above.",
    your_rooms: "Your rooms",
    col_name: "Name",
    col_link: "Link",
    col_actions: "Actions",
    copy_link: "Copy link",
    copy_link_of: "Copy the link of room",
    link_copied: "Link copied.",
    copy_failed: "Could not copy the link: select it and copy it by hand.",
    open_room: "Join",
    open_room_of: "Join room",
    rename: "Rename",
    rename_of: "Rename room",
    delete: "Delete",
    delete_of: "Delete room",
    room_created: "The room is created.",
    room_renamed: "The room is renamed. Its link stays the same.",
    room_deleted: "The room is deleted.",
    rename_title: "Rename the room",
    new_room_name: "New name",
    save: "Save",
    cancel: "Cancel",
    delete_title: "Delete the room",
    delete_warning: "Deleting the room makes its link stop working for everyone. This cannot be undone.",
    delete_button: "Delete the room",

    state_open: "Open",
    state_closed: "Closed",
    state_label: "State",
    open_action: "Open the room",
    open_action_of: "Open room",
    close_action: "Close the room",
    close_action_of: "Close room",
    close_confirm: "Close the room? The meeting ends for everyone in it.",
    room_opened: "The room is open: people waiting at its door come in.",
    room_closed: "The room is closed: its meeting has ended for everyone.",
    waiting_room_icon: "Waiting room on",
    shared_icon: "Shared with other users",
    access_manager: "Shared with you as manager",
    access_moderator: "Shared with you as moderator",
    settings: "Settings",
    settings_of: "Settings of room",
    share: "Share",
    share_of: "Share room",
    invite: "Invite",
    invite_of: "Send an invitation to room",
    settings_title: "Room settings",
    waiting_room_label: "Waiting room",
    waiting_room_hint: "People knock and wait until a moderator lets them in.",
    cap_label: "Maximum number of participants",
    cap_hint: "From 1 to {max}. Leave empty for the server’s default ({max}).",
    err_cap: "Enter a whole number from 1 to {max}, or leave the field empty.",
    settings_saved: "The settings are saved.",
    share_title: "Share the room",
    share_intro: "Managers open and close the room, send invitations, share it and change its settings. Moderators open and close it. In the room, both are moderators.",
    share_add_title: "Share with a user",
    share_email_hint: "The e-mail address of their account on this server.",
    share_role_label: "Access",
    role_manager: "Manager",
    role_moderator: "Moderator",
    role_owner: "Owner",
    share_button: "Share",
    shares_title: "People who run the room",
    no_shares: "The room is not shared with anyone yet.",
    change_access: "Change",
    change_access_of: "Change the access of",
    access_of: "Access of",
    unshare: "Remove",
    unshare_of: "Remove the access of",
    err_share_unknown: "No account uses this e-mail address: the person needs an account on this server first.",
    err_share_self: "You cannot share the room with yourself.",
    err_share_owner: "This person owns the room: they already have every right on it.",
    err_share_disabled: "This account is disabled: it cannot sign in, so it cannot run the room.",
    err_invite_too_many: "Too many recipients: 200 at most per invitation.",
    err_invite_quota: "You have sent invitations to many recipients in the last hour: wait {minutes} minutes and try again.",
    err_share_role: "Choose an access: manager or moderator.",
    share_added: "The room is shared.",
    share_changed: "The access is changed.",
    share_removed: "The access is removed.",
    invite_title: "Send an invitation",
    invite_recipients: "Recipients",
    invite_users: "Users of this server",
    invite_no_users: "No other user has an account on this server.",
    invite_addresses: "Other addresses",
    invite_addresses_hint: "Separated by commas, spaces or line breaks. Each recipient gets their own copy and does not see the others.",
    invite_message: "Message",
    invite_mail_lang: "Language of the message",
    invite_mail_lang_button: "Write it in this language",
    invite_mail_lang_hint: "Replaces the subject and the message below with the text in that language.",
    invite_subject: "Subject",
    invite_body: "Text of the message",
    invite_send: "Send the invitation",
    err_invite_no_recipient: "Choose at least one user or enter an address.",
    err_invite_bad_addresses: "These addresses are not valid; nothing was sent:",
    err_invite_subject: "Enter a subject on one line, 1 to 200 characters.",
    err_invite_body: "Enter a message of 1 to 10,000 characters.",
    err_invite_unknown_user: "A chosen user no longer exists or is disabled; nothing was sent.",
    err_invite_failed: "The invitation could not be sent to some recipients:",
    invite_mail_subject: "Invitation: {room}",
    invite_mail_text: "Hello,\n\n{inviter} invites you to the web conference \"{room}\".\n\nTo join it, open this link in your browser:\n{link}\n\nSee you soon!",

    users_title: "Users",
    add_user_title: "Add a user",
    is_admin: "Administrator (can manage users)",
    add_user_button: "Add the user",
    col_email: "E-mail address",
    col_role: "Role",
    col_status: "Status",
    role_admin: "Administrator",
    role_user: "User",
    status_active: "Active",
    status_disabled: "Disabled",
    disable: "Disable",
    disable_of: "Disable user",
    enable: "Enable",
    enable_of: "Enable user",
    you: "you",
    user_created: "The user is added. Give them their password.",
    user_disabled: "The user is disabled and signed out everywhere.",
    user_enabled: "The user is enabled again.",
    cannot_disable_self: "You cannot disable your own account.",

    err_room_name_empty: "Enter a name for the room.",
    err_room_name_long: "The name is too long: 100 characters at most.",
    err_control_chars: "The name must not contain control characters.",
    err_email: "Enter a valid e-mail address, like name@example.org.",
    err_password_short: "The password must have at least 10 characters.",
    err_password_long: "The password is too long: 1000 characters at most.",
    err_passwords_differ: "The two passwords are different.",
    err_email_taken: "This e-mail address already has an account.",
    err_display_name: "The name must have 100 characters at most, without control characters.",
    form_has_errors: "Please correct the form:",

    error_title: "Error",
    not_found_title: "Page not found",
    not_found_text: "This page does not exist. Check the address, or go back to the home page.",
    room_not_found_title: "Room not found",
    room_not_found_text: "There is no room at this address. Check the link you were given, or ask its organiser for a new one.",
    forbidden_title: "Not allowed",
    forbidden_text: "Your account is not allowed to do this. Ask an administrator if you need it.",
    csrf_title: "The form has expired",
    csrf_text: "For your safety, this form could not be accepted. Go back, reload the page and try again.",
    setup_invalid_title: "This setup link no longer works",
    setup_invalid_text: "The link was already used or has expired. If the administrator account exists, sign in; otherwise restart the server to get a new link.",
    internal_title: "Something went wrong",
    internal_text: "The server could not complete your request. Try again in a moment; if it keeps happening, tell the server's administrator.",
    go_home: "Go to the home page",
    go_sign_in: "Go to the sign-in page",

    room_loading: "Loading the room…",
    room_needs_js: "This room needs JavaScript. Turn it on in your browser and reload the page.",

    sign_in_with_code: "Receive a code by e-mail",
    code_title: "Sign in with a code",
    code_intro: "Enter the e-mail address of your account: we send it a 6-digit code, valid for {minutes} minutes.",
    code_send_button: "Send me a code",
    code_sent: "If an account uses this address, a code is on its way to it. It is valid for {minutes} minutes and works once.",
    code_label: "Code received by e-mail",
    code_hint: "6 digits.",
    code_button: "Sign in",
    code_wrong: "This code is not valid. Check it, or ask for a new one: a code works once, for {minutes} minutes, and 5 wrong tries cancel it.",
    code_resend: "Ask for a new code",
    code_use_password: "Sign in with a password",
    code_throttled: "Too many attempts for this address or from your network. Wait {secs} seconds and try again.",
    code_mail_subject: "Your Amphi sign-in code",
    code_mail_text: "Hello,\n\nSomeone asked for a code to sign in to Amphi as {email} (network address: {ip}). Your code:\n\n{code}\n\nIt is valid for {minutes} minutes and works once. Type it on the page where you asked for it.\n\nIf it was not you, ignore this mail: nobody can sign in without the code. Never give it to anyone.\n",
    code_mail_unknown_ip: "unknown",
    code_unavailable: "Sign-in by code needs a mail server, and none is configured. Sign in with your password, or ask an administrator.",
    nav_outbox: "Outbox",
    outbox_title: "Outbox",
    outbox_intro_outbox: "No mail server (SMTP) is configured, so mails are kept here instead of being sent (for 30 days). Pass invitations on by hand, or set [mail] smtp_url. Sign-in by code is off until then.",
    outbox_intro_smtp: "Mail goes out through the configured mail server. These mails were kept while none was configured.",
    outbox_empty: "The outbox is empty.",
    col_date: "Date (UTC)",
    col_to: "To",
    col_subject: "Subject",
    outbox_read: "Read the mail",
};

pub static FR: Strings = Strings {
    skip_to_content: "Aller au contenu",
    main_nav: "Menu principal",
    nav_rooms: "Mes salles",
    nav_users: "Utilisateurs",
    nav_password: "Changer de mot de passe",
    sign_out: "Se déconnecter",
    signed_in_as: "Connecté en tant que",
    language_switch: "Langue",
    notices: "Messages",

    sign_in_title: "Connexion",
    sign_in_button: "Se connecter",
    email: "Adresse e-mail",
    password: "Mot de passe",
    wrong_credentials: "Adresse e-mail ou mot de passe incorrect.",
    signed_out: "Vous êtes déconnecté.",
    admin_created: "Le compte administrateur est prêt. Connectez-vous avec.",
    no_users_yet: "Aucun compte n’existe encore. Ouvrez le lien d’installation affiché par le serveur à son démarrage pour créer l’administrateur.",

    setup_title: "Créer l’administrateur",
    setup_intro: "Bienvenue dans Amphi. Cette page, à usage unique, crée le premier compte administrateur. Le lien cesse de fonctionner une fois le compte créé.",
    display_name: "Votre nom",
    display_name_hint: "Visible des autres ; facultatif.",
    new_password: "Nouveau mot de passe",
    password_hint: "Au moins 10 caractères.",
    confirm_password: "Confirmez le mot de passe",
    setup_button: "Créer l’administrateur",

    password_title: "Changer de mot de passe",
    current_password: "Mot de passe actuel",
    password_button: "Changer le mot de passe",
    password_changed: "Votre mot de passe est changé. Les autres navigateurs connectés à votre compte sont déconnectés.",
    current_password_wrong: "Le mot de passe actuel est incorrect.",

    rooms_title: "Mes salles",
    create_room_title: "Créer une salle",
    room_name: "Nom de la salle",
    room_name_hint: "De 1 à 100 caractères. Le lien est tiré du nom et ne change jamais.",
    create_room_button: "Créer la salle",
    no_rooms: "Vous n’avez pas encore de salle. Créez-en une ci-dessus.",
    your_rooms: "Vos salles",
    col_name: "Nom",
    col_link: "Lien",
    col_actions: "Actions",
    copy_link: "Copier le lien",
    copy_link_of: "Copier le lien de la salle",
    link_copied: "Lien copié.",
    copy_failed: "Impossible de copier le lien : sélectionnez-le et copiez-le à la main.",
    open_room: "Rejoindre",
    open_room_of: "Rejoindre la salle",
    rename: "Renommer",
    rename_of: "Renommer la salle",
    delete: "Supprimer",
    delete_of: "Supprimer la salle",
    room_created: "La salle est créée.",
    room_renamed: "La salle est renommée. Son lien ne change pas.",
    room_deleted: "La salle est supprimée.",
    rename_title: "Renommer la salle",
    new_room_name: "Nouveau nom",
    save: "Enregistrer",
    cancel: "Annuler",
    delete_title: "Supprimer la salle",
    delete_warning: "Supprimer la salle rend son lien inutilisable pour tout le monde. C’est définitif.",
    delete_button: "Supprimer la salle",

    state_open: "Ouverte",
    state_closed: "Fermée",
    state_label: "État",
    open_action: "Ouvrir la salle",
    open_action_of: "Ouvrir la salle",
    close_action: "Fermer la salle",
    close_action_of: "Fermer la salle",
    close_confirm: "Fermer la salle ? La réunion se termine pour toutes les personnes présentes.",
    room_opened: "La salle est ouverte : les personnes qui attendaient entrent.",
    room_closed: "La salle est fermée : sa réunion est terminée pour tout le monde.",
    waiting_room_icon: "Salle d’attente activée",
    shared_icon: "Partagée avec d’autres utilisateurs",
    access_manager: "Partagée avec vous en tant que gestionnaire",
    access_moderator: "Partagée avec vous en tant que modérateur",
    settings: "Paramètres",
    settings_of: "Paramètres de la salle",
    share: "Partager",
    share_of: "Partager la salle",
    invite: "Inviter",
    invite_of: "Envoyer une invitation à la salle",
    settings_title: "Paramètres de la salle",
    waiting_room_label: "Salle d’attente",
    waiting_room_hint: "Les participants frappent et attendent qu’un modérateur les fasse entrer.",
    cap_label: "Nombre maximal de participants",
    cap_hint: "De 1 à {max}. Laissez vide pour la valeur du serveur ({max}).",
    err_cap: "Saisissez un nombre entier de 1 à {max}, ou laissez le champ vide.",
    settings_saved: "Les paramètres sont enregistrés.",
    share_title: "Partager la salle",
    share_intro: "Les gestionnaires ouvrent et ferment la salle, envoient des invitations, la partagent et modifient ses paramètres. Les modérateurs l’ouvrent et la ferment. Dans la salle, tous deux sont modérateurs.",
    share_add_title: "Partager avec un utilisateur",
    share_email_hint: "L’adresse e-mail de son compte sur ce serveur.",
    share_role_label: "Accès",
    role_manager: "Gestionnaire",
    role_moderator: "Modérateur",
    role_owner: "Propriétaire",
    share_button: "Partager",
    shares_title: "Personnes qui gèrent la salle",
    no_shares: "La salle n’est encore partagée avec personne.",
    change_access: "Modifier",
    change_access_of: "Modifier l’accès de",
    access_of: "Accès de",
    unshare: "Retirer",
    unshare_of: "Retirer l’accès de",
    err_share_unknown: "Aucun compte n’utilise cette adresse e-mail : la personne doit d’abord avoir un compte sur ce serveur.",
    err_share_self: "Vous ne pouvez pas partager la salle avec vous-même.",
    err_share_owner: "Cette personne est propriétaire de la salle : elle a déjà tous les droits.",
    err_share_disabled: "Ce compte est désactivé : il ne peut pas se connecter, donc pas gérer la salle.",
    err_invite_too_many: "Trop de destinataires : 200 au plus par invitation.",
    err_invite_quota: "Vous avez invité beaucoup de destinataires dans la dernière heure : attendez {minutes} minutes puis réessayez.",
    err_share_role: "Choisissez un accès : gestionnaire ou modérateur.",
    share_added: "La salle est partagée.",
    share_changed: "L’accès est modifié.",
    share_removed: "L’accès est retiré.",
    invite_title: "Envoyer une invitation",
    invite_recipients: "Destinataires",
    invite_users: "Utilisateurs de ce serveur",
    invite_no_users: "Aucun autre utilisateur n’a de compte sur ce serveur.",
    invite_addresses: "Autres adresses",
    invite_addresses_hint: "Séparées par des virgules, des espaces ou des retours à la ligne. Chaque destinataire reçoit son propre exemplaire et ne voit pas les autres.",
    invite_message: "Message",
    invite_mail_lang: "Langue du message",
    invite_mail_lang_button: "Rédiger dans cette langue",
    invite_mail_lang_hint: "Remplace l’objet et le message ci-dessous par le texte dans cette langue.",
    invite_subject: "Objet",
    invite_body: "Texte du message",
    invite_send: "Envoyer l’invitation",
    err_invite_no_recipient: "Choisissez au moins un utilisateur ou saisissez une adresse.",
    err_invite_bad_addresses: "Ces adresses ne sont pas valides ; rien n’a été envoyé :",
    err_invite_subject: "Saisissez un objet sur une ligne, de 1 à 200 caractères.",
    err_invite_body: "Saisissez un message de 1 à 10 000 caractères.",
    err_invite_unknown_user: "Un utilisateur choisi n’existe plus ou est désactivé ; rien n’a été envoyé.",
    err_invite_failed: "L’invitation n’a pas pu être envoyée à certains destinataires :",
    invite_mail_subject: "Invitation : {room}",
    invite_mail_text: "Bonjour,\n\n{inviter} vous invite à la web-conférence « {room} ».\n\nPour la rejoindre, ouvrez ce lien dans votre navigateur :\n{link}\n\nÀ bientôt !",

    users_title: "Utilisateurs",
    add_user_title: "Ajouter un utilisateur",
    is_admin: "Administrateur (gère les utilisateurs)",
    add_user_button: "Ajouter l’utilisateur",
    col_email: "Adresse e-mail",
    col_role: "Rôle",
    col_status: "État",
    role_admin: "Administrateur",
    role_user: "Utilisateur",
    status_active: "Actif",
    status_disabled: "Désactivé",
    disable: "Désactiver",
    disable_of: "Désactiver l’utilisateur",
    enable: "Réactiver",
    enable_of: "Réactiver l’utilisateur",
    you: "vous",
    user_created: "L’utilisateur est ajouté. Transmettez-lui son mot de passe.",
    user_disabled: "L’utilisateur est désactivé et déconnecté partout.",
    user_enabled: "L’utilisateur est réactivé.",
    cannot_disable_self: "Vous ne pouvez pas désactiver votre propre compte.",

    err_room_name_empty: "Donnez un nom à la salle.",
    err_room_name_long: "Le nom est trop long : 100 caractères au plus.",
    err_control_chars: "Le nom ne doit pas contenir de caractères de contrôle.",
    err_email: "Saisissez une adresse e-mail valide, comme nom@exemple.fr.",
    err_password_short: "Le mot de passe doit comporter au moins 10 caractères.",
    err_password_long: "Le mot de passe est trop long : 1000 caractères au plus.",
    err_passwords_differ: "Les deux mots de passe sont différents.",
    err_email_taken: "Cette adresse e-mail a déjà un compte.",
    err_display_name: "Le nom doit comporter 100 caractères au plus, sans caractère de contrôle.",
    form_has_errors: "Veuillez corriger le formulaire :",

    error_title: "Erreur",
    not_found_title: "Page introuvable",
    not_found_text: "Cette page n’existe pas. Vérifiez l’adresse, ou revenez à l’accueil.",
    room_not_found_title: "Salle introuvable",
    room_not_found_text: "Il n’y a pas de salle à cette adresse. Vérifiez le lien reçu, ou demandez-en un nouveau à l’organisateur.",
    forbidden_title: "Action non autorisée",
    forbidden_text: "Votre compte n’a pas le droit de faire ceci. Demandez à un administrateur si vous en avez besoin.",
    csrf_title: "Le formulaire a expiré",
    csrf_text: "Par sécurité, ce formulaire n’a pas pu être accepté. Revenez en arrière, rechargez la page et réessayez.",
    setup_invalid_title: "Ce lien d’installation ne fonctionne plus",
    setup_invalid_text: "Le lien a déjà servi ou a expiré. Si le compte administrateur existe, connectez-vous ; sinon redémarrez le serveur pour obtenir un nouveau lien.",
    internal_title: "Une erreur est survenue",
    internal_text: "Le serveur n’a pas pu traiter votre demande. Réessayez dans un instant ; si cela se reproduit, prévenez l’administrateur du serveur.",
    go_home: "Revenir à l’accueil",
    go_sign_in: "Aller à la page de connexion",

    room_loading: "Chargement de la salle…",
    room_needs_js: "Cette salle a besoin de JavaScript. Activez-le dans votre navigateur puis rechargez la page.",

    sign_in_with_code: "Recevoir un code par e-mail",
    code_title: "Se connecter avec un code",
    code_intro: "Saisissez l’adresse e-mail de votre compte : nous lui envoyons un code à 6 chiffres, valable {minutes} minutes.",
    code_send_button: "M’envoyer un code",
    code_sent: "Si un compte utilise cette adresse, un code vient de lui être envoyé. Il est valable {minutes} minutes, pour une seule connexion.",
    code_label: "Code reçu par e-mail",
    code_hint: "6 chiffres.",
    code_button: "Se connecter",
    code_wrong: "Ce code n’est pas valable. Vérifiez-le, ou demandez-en un nouveau : un code sert une fois, pendant {minutes} minutes, et 5 essais erronés l’annulent.",
    code_resend: "Demander un nouveau code",
    code_use_password: "Se connecter avec un mot de passe",
    code_throttled: "Trop de tentatives pour cette adresse ou depuis votre réseau. Attendez {secs} secondes puis réessayez.",
    code_mail_subject: "Votre code de connexion Amphi",
    code_mail_text: "Bonjour,\n\nQuelqu’un a demandé un code pour se connecter à Amphi en tant que {email} (adresse réseau : {ip}). Votre code pour vous connecter :\n\n{code}\n\nIl est valable {minutes} minutes, pour une seule connexion. Saisissez-le sur la page où vous l’avez demandé.\n\nSi ce n’est pas vous, ignorez ce message : personne ne peut se connecter sans ce code. Ne le communiquez à personne.\n",
    code_mail_unknown_ip: "inconnue",
    code_unavailable: "La connexion par code a besoin d’un serveur de messagerie, et aucun n’est configuré. Connectez-vous avec votre mot de passe, ou demandez à un administrateur.",
    nav_outbox: "Boîte d’envoi",
    outbox_title: "Boîte d’envoi",
    outbox_intro_outbox: "Aucun serveur de messagerie (SMTP) n’est configuré : les e-mails sont gardés ici (30 jours) au lieu d’être envoyés. Transmettez vous-même les invitations, ou renseignez [mail] smtp_url. La connexion par code reste désactivée jusque-là.",
    outbox_intro_smtp: "Les e-mails partent par le serveur de messagerie configuré. Ceux-ci ont été gardés quand aucun ne l’était.",
    outbox_empty: "La boîte d’envoi est vide.",
    col_date: "Date (UTC)",
    col_to: "Destinataires",
    col_subject: "Objet",
    outbox_read: "Lire l’e-mail",
};

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn accept_language_by_quality() {
        assert_eq!(
            Lang::from_headers(&headers(&[(
                "accept-language",
                "de, fr-FR;q=0.8, en;q=0.5"
            )])),
            Lang::Fr
        );
        assert_eq!(
            Lang::from_headers(&headers(&[("accept-language", "fr;q=0.2, en-GB")])),
            Lang::En
        );
        assert_eq!(
            Lang::from_headers(&headers(&[("accept-language", "de")])),
            Lang::En
        );
        assert_eq!(Lang::from_headers(&HeaderMap::new()), Lang::En);
    }

    #[test]
    fn cookie_wins() {
        let h = headers(&[("accept-language", "en"), ("cookie", "a=b; lang=fr")]);
        assert_eq!(Lang::from_headers(&h), Lang::Fr);
    }

    #[test]
    fn throttled_message_in_both_languages() {
        assert!(EN.throttled(30).contains("30 seconds"));
        assert!(FR.throttled(1).contains("1 seconde puis"));
    }
}
