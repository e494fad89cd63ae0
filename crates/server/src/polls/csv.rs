//! A poll's results as CSV, made safe for spreadsheets by [`crate::csv`].

use amphi_store::{Ballot, Poll};

use crate::csv::Csv;

/// The counts per option, then (unless anonymous) one line per ballot.
pub fn results(poll: &Poll, counts: &[u32], ballots: &[Ballot]) -> String {
    let mut out = Csv::new();
    out.row(["question", "option", "votes"]);
    for (i, option) in poll.options.iter().enumerate() {
        let n = counts.get(i).copied().unwrap_or(0);
        out.row([poll.question.as_str(), option, &n.to_string()]);
    }
    if !poll.anonymous {
        out.blank_line();
        out.row(["voter", "voted_at_ms", "choices"]);
        for ballot in ballots {
            let choices: Vec<&str> = ballot
                .choices
                .iter()
                .filter_map(|&c| poll.options.get(c as usize).map(String::as_str))
                .collect();
            out.row([
                ballot.voter_name.clone().unwrap_or_default(),
                ballot.voted_at.map(|t| t.to_string()).unwrap_or_default(),
                choices.join("; "),
            ]);
        }
    }
    out.finish()
}
