//! A poll's results as CSV (RFC 4180, UTF-8 with a BOM so spreadsheets read accents), safe to
//! open in a spreadsheet: a cell that a spreadsheet would run as a formula (starting with
//! `=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`.

use amphi_store::{Ballot, Poll};

/// One CSV cell: formula-neutralised, always quoted, quotes doubled.
pub fn cell(value: &str) -> String {
    let neutral = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    format!("\"{}\"", neutral.replace('"', "\"\""))
}

fn row(cells: &[String]) -> String {
    let mut line = cells.join(",");
    line.push_str("\r\n");
    line
}

/// The counts per option, then (unless anonymous) one line per ballot.
pub fn results(poll: &Poll, counts: &[u32], ballots: &[Ballot]) -> String {
    let mut out = String::from("\u{feff}");
    out.push_str(&row(&[cell("question"), cell("option"), cell("votes")]));
    for (i, option) in poll.options.iter().enumerate() {
        let n = counts.get(i).copied().unwrap_or(0);
        out.push_str(&row(&[
            cell(&poll.question),
            cell(option),
            cell(&n.to_string()),
        ]));
    }
    if !poll.anonymous {
        out.push_str("\r\n");
        out.push_str(&row(&[cell("voter"), cell("voted_at_ms"), cell("choices")]));
        for ballot in ballots {
            let choices: Vec<&str> = ballot
                .choices
                .iter()
                .filter_map(|&c| poll.options.get(c as usize).map(String::as_str))
                .collect();
            out.push_str(&row(&[
                cell(ballot.voter_name.as_deref().unwrap_or("")),
                cell(&ballot.voted_at.map(|t| t.to_string()).unwrap_or_default()),
                cell(&choices.join("; ")),
            ]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn formulas_are_neutralised_and_quotes_doubled() {
        assert_eq!(cell("=SUM(A1)"), "\"'=SUM(A1)\"");
        assert_eq!(cell("+1"), "\"'+1\"");
        assert_eq!(cell("-2"), "\"'-2\"");
        assert_eq!(cell("@cmd"), "\"'@cmd\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("plain"), "\"plain\"");
    }
}
