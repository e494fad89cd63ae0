//! The strings of registration (issue 6): the organiser's pages (settings, fields editor,
//! registrants, series, the admin's landing domains), the public registration page and the
//! gate. Each entry gives English then French, so a missing translation cannot compile.
//! The mails' texts are in `registration_mail.rs`.

use super::Lang;

macro_rules! strings {
    ($($name:ident: $en:expr, $fr:expr;)*) => {
        /// Every text of the registration pages in one language.
        pub struct RegStrings { $(pub $name: &'static str,)* }
        pub const EN: RegStrings = RegStrings { $($name: $en,)* };
        pub const FR: RegStrings = RegStrings { $($name: $fr,)* };
    };
}

strings! {
    // The organiser's settings page.
    settings_title: "Registration", "Inscription";
    settings_of: "Registration of", "Inscription de";
    require: "Require registration", "Exiger l\u{2019}inscription";
    require_hint: "People must register, and be approved, before they can join.", "Les participants doivent s\u{2019}inscrire, et être approuvés, avant de rejoindre.";
    auto_approve: "Approve all registration requests automatically", "Approuver automatiquement toutes les demandes d\u{2019}inscription";
    auto_approve_hint: "Unticked, you accept or reject each request. Ticked, people who register during the live get in at once.", "Décoché, vous acceptez ou refusez chaque demande. Coché, une personne qui s\u{2019}inscrit pendant le direct entre aussitôt.";
    cap: "Maximum number of registrations", "Nombre maximum d\u{2019}inscrits";
    cap_hint: "Empty: no limit. Pending and approved registrations count.", "Vide : sans limite. Les inscriptions en attente et approuvées comptent.";
    landing: "Page after registering (URL)", "Page de destination après l\u{2019}inscription (URL)";
    landing_hint: "Optional. Allowed domains: {domains}.", "Facultatif. Domaines autorisés : {domains}.";
    landing_none: "Optional. No domain is allowed yet: ask an administrator.", "Facultatif. Aucun domaine n\u{2019}est encore autorisé : demandez à un administrateur.";
    fields_title: "Registration form", "Formulaire d\u{2019}inscription";
    fields_standard: "Name and e-mail address are always asked. Add your own questions below.", "Le nom et l\u{2019}adresse électronique sont toujours demandés. Ajoutez vos questions ci-dessous.";
    fields_none: "No custom fields: the standard form.", "Aucun champ personnalisé : le formulaire standard.";
    field_n: "Field", "Champ";
    field_label: "Question", "Question";
    field_kind: "Type", "Type";
    field_required: "Required", "Obligatoire";
    field_choices: "Choices, one per line", "Choix, un par ligne";
    kind_short_text: "Short text", "Texte court";
    kind_long_text: "Long text", "Texte long";
    kind_single_choice: "Single choice", "Choix unique";
    kind_multiple_choice: "Multiple choice", "Choix multiple";
    kind_checkbox: "Checkbox", "Case à cocher";
    add_field: "Add a field", "Ajouter un champ";
    move_up: "Move up", "Monter";
    move_down: "Move down", "Descendre";
    remove_field: "Remove", "Retirer";
    unsaved: "Changes to the form are kept only when you save.", "Les modifications du formulaire ne sont gardées qu\u{2019}à l\u{2019}enregistrement.";
    save: "Save", "Enregistrer";
    saved: "Registration settings saved.", "Paramètres d\u{2019}inscription enregistrés.";
    turn_off: "Turn off registration", "Désactiver l\u{2019}inscription";
    public_page: "Public registration page", "Page d\u{2019}inscription publique";
    registrants: "Registrants", "Inscrits";
    registrants_of: "Registrants of", "Inscrits de";
    in_series: "This session belongs to the series \u{201c}{series}\u{201d}: it uses the series\u{2019} registration form, and one registration opens all its sessions.", "Cette session fait partie de la série « {series} » : elle utilise le formulaire d\u{2019}inscription de la série, et une inscription ouvre toutes ses sessions.";
    series_settings: "Registration of the series", "Inscription de la série";
    series_field: "Series", "Série";
    series_none_option: "No series", "Aucune série";
    series_hint: "Sessions in a series share one registration form. Registrations gathered before are kept.", "Les sessions d\u{2019}une série partagent un formulaire d\u{2019}inscription. Les inscriptions recueillies avant sont conservées.";
    series_set: "Change the series", "Changer de série";
    series_changed: "Series changed.", "Série modifiée.";
    no_join_before_host: "Rooms open only when a moderator opens them, so people never join before the host: registration applies from the start.", "Une salle n\u{2019}ouvre que quand un modérateur l\u{2019}ouvre : personne ne rejoint avant l\u{2019}organisateur, l\u{2019}inscription s\u{2019}applique dès le début.";
    err_cap: "Maximum number of registrations: a whole number from 1 to 100000, or empty.", "Nombre maximum d\u{2019}inscrits : un nombre entier de 1 à 100000, ou vide.";
    err_landing_not_allowed: "Page after registering: this domain is not on the administrator\u{2019}s allow-list.", "Page de destination : ce domaine n\u{2019}est pas dans la liste autorisée par l\u{2019}administrateur.";
    err_landing_not_http: "Page after registering: give a full address starting with https://.", "Page de destination : donnez une adresse complète commençant par https://.";
    err_landing_credentials: "Page after registering: the address may not contain a user name or password.", "Page de destination : l\u{2019}adresse ne peut pas contenir d\u{2019}identifiant ni de mot de passe.";
    err_landing_too_long: "Page after registering: the address is too long.", "Page de destination : l\u{2019}adresse est trop longue.";
    err_too_many_fields: "A form has at most 30 custom fields.", "Un formulaire a au plus 30 champs personnalisés.";
    err_label_missing: "Field {n}: the question is missing.", "Champ {n} : la question manque.";
    err_label_too_long: "Field {n}: the question is too long (200 characters at most, one line).", "Champ {n} : la question est trop longue (200 caractères au plus, une ligne).";
    err_kind: "Field {n}: choose a type.", "Champ {n} : choisissez un type.";
    err_choices_missing: "Field {n}: give at least one choice.", "Champ {n} : donnez au moins un choix.";
    err_choice_too_long: "Field {n}: a choice is too long (200 characters at most).", "Champ {n} : un choix est trop long (200 caractères au plus).";
    err_choice_repeated: "Field {n}: a choice is given twice.", "Champ {n} : un choix est donné deux fois.";
    err_too_many_choices: "Field {n}: 50 choices at most.", "Champ {n} : 50 choix au plus.";
    err_key: "Field {n}: this field is not one of the form (reload the page).", "Champ {n} : ce champ n\u{2019}appartient pas au formulaire (rechargez la page).";

    // Turning it off (G7).
    disable_title: "Turn off registration?", "Désactiver l\u{2019}inscription ?";
    disable_warning: "Turning registration off deletes its {count} registrations for good. Turning it on again starts from the standard form.", "Désactiver l\u{2019}inscription supprime définitivement ses {count} inscriptions. La réactiver repart du formulaire standard.";
    disable_confirm: "Delete the registrations and turn off", "Supprimer les inscriptions et désactiver";
    disable_confirm_count: "Delete {count} registrations and turn off", "Supprimer {count} inscriptions et désactiver";
    cancel: "Cancel", "Annuler";
    disabled_notice: "Registration turned off; its registrations were deleted.", "Inscription désactivée ; ses inscriptions ont été supprimées.";

    // The registrant list (G2, G8).
    filter: "Show", "Afficher";
    filter_all: "All", "Toutes";
    status_pending: "Pending", "En attente";
    status_approved: "Approved", "Approuvée";
    status_rejected: "Rejected", "Refusée";
    status_cancelled: "Cancelled", "Annulée";
    col_select: "Select", "Sélectionner";
    col_name: "Name", "Nom";
    col_email: "E-mail address", "Adresse électronique";
    col_status: "Status", "Statut";
    col_code: "Registration ID", "ID d\u{2019}inscription";
    col_registered: "Registered", "Inscription";
    col_answers: "Answers", "Réponses";
    approve: "Accept", "Accepter";
    reject: "Reject", "Refuser";
    approve_selected: "Accept selected", "Accepter la sélection";
    reject_selected: "Reject selected", "Refuser la sélection";
    select_of: "Select", "Sélectionner";
    export_csv: "Export as CSV", "Exporter en CSV";
    no_registrations: "No registrations.", "Aucune inscription.";
    count_line: "{count} registrations (cap: {cap}).", "{count} inscriptions (plafond : {cap}).";
    no_cap: "none", "aucun";
    changed_notice: "Registrations changed; each person was told by e-mail.", "Inscriptions modifiées ; chaque personne a été prévenue par courrier électronique.";
    nothing_selected: "Select at least one registration.", "Sélectionnez au moins une inscription.";
    not_enabled: "Registration is not required here.", "L\u{2019}inscription n\u{2019}est pas exigée ici.";

    // The public page (G1, G4, G5).
    register_title: "Register", "S\u{2019}inscrire";
    register_for: "Register for", "Inscription à";
    required_mark: "required", "obligatoire";
    name: "Name", "Nom";
    email: "E-mail address", "Adresse électronique";
    email_hint: "Your registration ID and link are sent here.", "Votre ID d\u{2019}inscription et votre lien y sont envoyés.";
    submit: "Register", "S\u{2019}inscrire";
    full: "Registration is full: no more places are available.", "Les inscriptions sont complètes : il n\u{2019}y a plus de place.";
    full_mailed: "We sent you an e-mail saying so.", "Nous vous l\u{2019}avons confirmé par courrier électronique.";
    closed: "This session does not take registrations.", "Cette session ne prend pas d\u{2019}inscriptions.";
    err_missing: "{label}: this field is required.", "{label} : ce champ est obligatoire.";
    err_too_long: "{label}: too long.", "{label} : trop long.";
    err_bad_characters: "{label}: line breaks and control characters are not allowed.", "{label} : retours à la ligne et caractères de contrôle interdits.";
    err_bad_email: "{label}: enter an address like name@example.org.", "{label} : saisissez une adresse comme nom@exemple.org.";
    err_unknown_choice: "{label}: choose one of the choices offered.", "{label} : choisissez parmi les choix proposés.";
    err_repeated: "{label}: one answer only.", "{label} : une seule réponse.";
    err_unknown: "\u{201c}{label}\u{201d} is not a field of this form.", "« {label} » n\u{2019}est pas un champ de ce formulaire.";
    done_title: "Registration received", "Inscription reçue";
    done_pending: "Your registration awaits the organiser\u{2019}s approval. You will get an e-mail at {email}.", "Votre inscription attend l\u{2019}approbation de l\u{2019}organisateur. Vous recevrez un courrier électronique à {email}.";
    done_approved: "You are registered. Your registration ID and personal link were sent to {email}.", "Vous êtes inscrit. Votre ID d\u{2019}inscription et votre lien personnel ont été envoyés à {email}.";
    done_already: "This address is already registered: look for the e-mail we sent then.", "Cette adresse est déjà inscrite : retrouvez le courrier électronique envoyé alors.";
    done_rejected: "This address cannot register here.", "Cette adresse ne peut pas s\u{2019}inscrire ici.";
    join_now: "Join now", "Rejoindre maintenant";

    // The gate (G3).
    gate_title: "Registration required", "Inscription requise";
    gate_intro: "This session is for registered people. Enter the e-mail address you registered with and the registration ID of your e-mail, or follow the personal link of that e-mail.", "Cette session est réservée aux inscrits. Saisissez l\u{2019}adresse électronique de votre inscription et l\u{2019}ID d\u{2019}inscription reçu par courrier électronique, ou suivez le lien personnel de ce courrier.";
    code: "Registration ID", "ID d\u{2019}inscription";
    code_hint: "9 letters and digits, for example ABC-DEF-GHJ.", "9 lettres et chiffres, par exemple ABC-DEF-GHJ.";
    enter: "Enter", "Entrer";
    gate_wrong: "This e-mail address and registration ID do not match an approved registration.", "Cette adresse et cet ID d\u{2019}inscription ne correspondent à aucune inscription approuvée.";
    gate_throttled: "Too many wrong tries. Wait {secs} seconds and try again.", "Trop d\u{2019}essais erronés. Attendez {secs} secondes et réessayez.";
    gate_register: "Not registered yet?", "Pas encore inscrit ?";
    link_invalid: "This personal link is not valid here (registration not approved, cancelled or for another session).", "Ce lien personnel n\u{2019}est pas valable ici (inscription non approuvée, annulée ou pour une autre session).";

    // Series (G6).
    series_title: "Series", "Séries";
    series_new: "New series", "Nouvelle série";
    series_name: "Title of the series", "Titre de la série";
    series_create: "Create the series", "Créer la série";
    series_created: "Series created.", "Série créée.";
    series_sessions: "Sessions in this series", "Sessions de la série";
    series_no_sessions: "No session in this series yet: choose the series on a session\u{2019}s registration page.", "Aucune session dans cette série : choisissez la série sur la page d\u{2019}inscription d\u{2019}une session.";
    series_empty: "You have no series yet.", "Vous n\u{2019}avez encore aucune série.";
    err_series_name: "Title of the series: 1 to 100 characters, one line.", "Titre de la série : 1 à 100 caractères, une ligne.";

    // The administrator's allow-list (G5).
    domains_title: "Landing page domains", "Domaines des pages de destination";
    domains_intro: "Organisers may send registrants to a page after registering only on these domains (and their subdomains).", "Les organisateurs ne peuvent envoyer les inscrits vers une page après l\u{2019}inscription que sur ces domaines (et leurs sous-domaines).";
    domains_label: "Allowed domains, one per line", "Domaines autorisés, un par ligne";
    domains_saved: "Allowed domains saved.", "Domaines autorisés enregistrés.";
    err_domains: "These are not domain names: {list}.", "Ce ne sont pas des noms de domaine : {list}.";
}

impl RegStrings {
    pub fn of(lang: Lang) -> &'static RegStrings {
        match lang {
            Lang::En => &EN,
            Lang::Fr => &FR,
        }
    }

    /// A status's name.
    pub fn status(&self, status: amphi_store::RegistrationStatus) -> &'static str {
        use amphi_store::RegistrationStatus as S;
        match status {
            S::Pending => self.status_pending,
            S::Approved => self.status_approved,
            S::Rejected => self.status_rejected,
            S::Cancelled => self.status_cancelled,
        }
    }

    /// A field kind's name (`editor::KINDS`).
    pub fn kind(&self, kind: &str) -> &'static str {
        match kind {
            "long_text" => self.kind_long_text,
            "single_choice" => self.kind_single_choice,
            "multiple_choice" => self.kind_multiple_choice,
            "checkbox" => self.kind_checkbox,
            _ => self.kind_short_text,
        }
    }
}
