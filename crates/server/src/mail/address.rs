//! Recipient addresses typed into forms (invitations): a list separated by commas,
//! semicolons, spaces or line breaks, each a plain `name@example.org`.

/// How many addresses one form may list: an invitation, not a mailing list.
pub const MAX_ADDRESSES: usize = 200;

/// Parses a list of addresses. `Ok` holds each valid address once (lowercased, in the order
/// first given); `Err` holds every entry that is not an address, as typed (for the form to
/// show), and also when there are more than [`MAX_ADDRESSES`] (then the extra ones). An
/// empty input is `Ok(vec![])`: the caller says "enter at least one".
///
/// An address must satisfy both our account rule ([`crate::validate::email`]) and the mail
/// library's parser, so what is accepted here can be sent.
pub fn parse_addresses(input: &str) -> Result<Vec<String>, Vec<String>> {
    let mut good: Vec<String> = Vec::new();
    let mut bad = Vec::new();
    for entry in input
        .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .filter(|e| !e.is_empty())
    {
        match valid_address(entry) {
            Some(address) => {
                if !good.contains(&address) {
                    good.push(address);
                }
            }
            None => bad.push(entry.to_owned()),
        }
    }
    if good.len() > MAX_ADDRESSES {
        bad.extend(good.split_off(MAX_ADDRESSES));
    }
    if bad.is_empty() { Ok(good) } else { Err(bad) }
}

/// One address, lowercased, if it is valid for both rules.
pub fn valid_address(entry: &str) -> Option<String> {
    let address = crate::validate::email(entry).ok()?;
    address.parse::<lettre::Address>().ok()?;
    Some(address)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators_and_duplicates() {
        assert_eq!(
            parse_addresses(
                " Ann@Example.org, bob@example.org;carl@example.org\n\tdan@example.org ann@example.org "
            ),
            Ok(vec![
                "ann@example.org".to_owned(),
                "bob@example.org".to_owned(),
                "carl@example.org".to_owned(),
                "dan@example.org".to_owned(),
            ])
        );
        assert_eq!(parse_addresses(" ,; \n"), Ok(vec![]));
    }

    #[test]
    fn bad_entries_are_returned_as_typed() {
        assert_eq!(
            parse_addresses("ann@example.org, nope, <script>@x.org,bob@"),
            Err(vec![
                "nope".to_owned(),
                "<script>@x.org".to_owned(),
                "bob@".to_owned()
            ])
        );
        // Header injection cannot pass: line breaks separate entries, and each is checked.
        assert_eq!(
            parse_addresses("ann@example.org\r\nBcc: eve@example.org"),
            Err(vec!["Bcc:".to_owned()])
        );
    }

    #[test]
    fn too_many() {
        let list: Vec<String> = (0..=MAX_ADDRESSES)
            .map(|i| format!("u{i}@example.org"))
            .collect();
        let err = parse_addresses(&list.join(",")).expect_err("one too many");
        assert_eq!(err, vec![format!("u{MAX_ADDRESSES}@example.org")]);
    }
}
