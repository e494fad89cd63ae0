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
    open_room: "Open",
    open_room_of: "Open room",
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
    open_room: "Ouvrir",
    open_room_of: "Ouvrir la salle",
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
