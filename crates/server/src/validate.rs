//! Input checks at the edge: text from forms and the command line becomes typed values here,
//! or a [`Invalid`] reason that pages translate.

/// Why a value was refused; pages show the matching sentence in the page's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invalid {
    RoomNameEmpty,
    RoomNameTooLong,
    ControlCharacters,
    Email,
    PasswordTooShort,
    PasswordTooLong,
    PasswordsDiffer,
    DisplayName,
}

impl Invalid {
    pub fn message(self, t: &crate::i18n::Strings) -> &'static str {
        match self {
            Invalid::RoomNameEmpty => t.err_room_name_empty,
            Invalid::RoomNameTooLong => t.err_room_name_long,
            Invalid::ControlCharacters => t.err_control_chars,
            Invalid::Email => t.err_email,
            Invalid::PasswordTooShort => t.err_password_short,
            Invalid::PasswordTooLong => t.err_password_long,
            Invalid::PasswordsDiffer => t.err_passwords_differ,
            Invalid::DisplayName => t.err_display_name,
        }
    }

    /// English text for the command line.
    pub fn english(self) -> &'static str {
        self.message(&crate::i18n::EN)
    }
}

pub const ROOM_NAME_MAX: usize = 100;
pub const PASSWORD_MIN: usize = 10;
/// Long enough for any passphrase, short enough that hashing it is not a denial of service.
pub const PASSWORD_MAX: usize = 1000;
const EMAIL_MAX: usize = 254;

/// A room name: trimmed, 1..=100 characters, no control characters.
pub fn room_name(input: &str) -> Result<String, Invalid> {
    let name = input.trim();
    if name.is_empty() {
        return Err(Invalid::RoomNameEmpty);
    }
    if name.chars().count() > ROOM_NAME_MAX {
        return Err(Invalid::RoomNameTooLong);
    }
    if name.chars().any(char::is_control) {
        return Err(Invalid::ControlCharacters);
    }
    Ok(name.to_owned())
}

/// A display name: trimmed, at most 100 characters, no control characters; may be empty.
pub fn display_name(input: &str) -> Result<String, Invalid> {
    let name = input.trim();
    if name.chars().count() > ROOM_NAME_MAX || name.chars().any(char::is_control) {
        return Err(Invalid::DisplayName);
    }
    Ok(name.to_owned())
}

/// An e-mail address, syntactically: `local@domain.tld`, lowercased. Deliberately simple
/// (the RFC grammar accepts things no mail server delivers); refuses spaces, control
/// characters, a missing or dotless domain, and empty labels.
pub fn email(input: &str) -> Result<String, Invalid> {
    let email = input.trim().to_lowercase();
    if email.is_empty() || email.len() > EMAIL_MAX {
        return Err(Invalid::Email);
    }
    let Some((local, domain)) = email.rsplit_once('@') else {
        return Err(Invalid::Email);
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
    let domain_ok = domain.contains('.')
        && domain.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        });
    if local_ok && domain_ok {
        Ok(email)
    } else {
        Err(Invalid::Email)
    }
}

/// A new password: 10..=1000 characters (not trimmed: spaces are characters too).
pub fn new_password(input: &str) -> Result<&str, Invalid> {
    let n = input.chars().count();
    if n < PASSWORD_MIN {
        Err(Invalid::PasswordTooShort)
    } else if n > PASSWORD_MAX {
        Err(Invalid::PasswordTooLong)
    } else {
        Ok(input)
    }
}

/// A new password typed twice.
pub fn new_password_confirmed<'a>(input: &'a str, confirm: &str) -> Result<&'a str, Invalid> {
    let password = new_password(input)?;
    if password != confirm {
        return Err(Invalid::PasswordsDiffer);
    }
    Ok(password)
}

/// Three fields checked together (an account form): their values, or the message of every
/// field that failed, in order, so the form shows them all at once.
pub fn all_three<A, B, C>(
    t: &crate::i18n::Strings,
    a: Result<A, Invalid>,
    b: Result<B, Invalid>,
    c: Result<C, Invalid>,
) -> Result<(A, B, C), Vec<String>> {
    match (a, b, c) {
        (Ok(a), Ok(b), Ok(c)) => Ok((a, b, c)),
        (a, b, c) => Err([a.err(), b.err(), c.err()]
            .into_iter()
            .flatten()
            .map(|i| i.message(t).to_owned())
            .collect()),
    }
}

/// A refused room name as the form shows it back: at most twice what the field accepts, so a
/// huge paste is not sent back.
pub fn room_name_echo(input: &str) -> String {
    input.chars().take(ROOM_NAME_MAX * 2).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_three_collects_every_message() {
        let t = crate::i18n::Lang::En.strings();
        assert_eq!(all_three(t, Ok(1), Ok(2), Ok(3)), Ok((1, 2, 3)));
        let errors = all_three(
            t,
            Err::<(), _>(Invalid::Email),
            Ok(2),
            new_password("short"),
        )
        .expect_err("two fields are wrong");
        assert_eq!(
            errors,
            [
                Invalid::Email.message(t),
                Invalid::PasswordTooShort.message(t)
            ]
        );
    }

    #[test]
    fn echo_is_bounded() {
        assert_eq!(room_name_echo("Weekly"), "Weekly");
        assert_eq!(
            room_name_echo(&"é".repeat(10_000)).chars().count(),
            ROOM_NAME_MAX * 2
        );
    }

    #[test]
    fn room_names() {
        assert_eq!(room_name("  Weekly sync ").as_deref(), Ok("Weekly sync"));
        assert_eq!(room_name("   "), Err(Invalid::RoomNameEmpty));
        assert_eq!(
            room_name(&"é".repeat(100)).map(|s| s.chars().count()),
            Ok(100)
        );
        assert_eq!(room_name(&"a".repeat(101)), Err(Invalid::RoomNameTooLong));
        assert_eq!(room_name("a\u{0}b"), Err(Invalid::ControlCharacters));
        assert_eq!(room_name("a\nb"), Err(Invalid::ControlCharacters));
        assert_eq!(room_name("<script>").as_deref(), Ok("<script>"));
    }

    #[test]
    fn emails() {
        assert_eq!(email(" Ann@Example.ORG ").as_deref(), Ok("ann@example.org"));
        assert_eq!(
            email("a.b+c@mail.example.fr").as_deref(),
            Ok("a.b+c@mail.example.fr")
        );
        for bad in [
            "",
            "ann",
            "ann@",
            "@example.org",
            "ann@example",
            "ann@@example.org",
            "a b@example.org",
            "ann@exa mple.org",
            "ann@-x.org",
            "ann@x..org",
            ".ann@x.org",
            "ann@x.org\nbcc@y.org",
            "<script>@x.org",
        ] {
            assert_eq!(email(bad), Err(Invalid::Email), "{bad:?}");
        }
    }

    #[test]
    fn passwords() {
        assert_eq!(new_password("123456789"), Err(Invalid::PasswordTooShort));
        assert_eq!(new_password("1234567890"), Ok("1234567890"));
        assert_eq!(
            new_password(&"x".repeat(1001)),
            Err(Invalid::PasswordTooLong)
        );
        assert_eq!(
            new_password_confirmed("1234567890", "1234567891"),
            Err(Invalid::PasswordsDiffer)
        );
    }
}
