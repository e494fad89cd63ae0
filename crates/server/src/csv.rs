//! CSV files people open in a spreadsheet (registrants, poll results): RFC 4180 quoting, CRLF
//! line ends, a UTF-8 byte-order mark so that spreadsheets read accents right, and no formula
//! injection: a cell whose text starts with `=`, `+`, `-`, `@`, a tab or a carriage return
//! would be evaluated, so it gets a leading apostrophe, which spreadsheets show as text.

/// The characters that make a spreadsheet evaluate a cell.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// One cell: neutralised, then quoted when it holds a comma, a quote or a line break.
pub fn cell(text: &str) -> String {
    let text = if text.starts_with(FORMULA_STARTS) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// A file being written, row by row.
pub struct Csv(String);

impl Csv {
    pub fn new() -> Self {
        Self(String::from("\u{feff}"))
    }

    /// One line of cells, each made safe by [`cell`].
    pub fn row<S: AsRef<str>>(&mut self, cells: impl IntoIterator<Item = S>) {
        let line: Vec<String> = cells.into_iter().map(|c| cell(c.as_ref())).collect();
        self.0.push_str(&line.join(","));
        self.0.push_str("\r\n");
    }

    /// An empty line between two tables of one file.
    pub fn blank_line(&mut self) {
        self.0.push_str("\r\n");
    }

    pub fn finish(self) -> String {
        self.0
    }
}

impl Default for Csv {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(cell("=SUM(A1:A9)"), "'=SUM(A1:A9)");
        assert_eq!(cell("+33 1 23"), "'+33 1 23");
        assert_eq!(cell("-2"), "'-2");
        assert_eq!(cell("@cmd"), "'@cmd");
        assert_eq!(cell("\tx"), "'\tx");
        assert_eq!(cell("\rx"), "\"'\rx\"");
        assert_eq!(
            cell("=HYPERLINK(\"x\",\"y\")"),
            "\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\""
        );
        assert_eq!(cell("Ann"), "Ann");
        assert_eq!(cell("a=b"), "a=b", "only the start counts");
        assert_eq!(cell(""), "");
    }

    #[test]
    fn quoting() {
        assert_eq!(cell("Lee, Ann"), "\"Lee, Ann\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("two\nlines"), "\"two\nlines\"");
    }

    #[test]
    fn a_file_has_a_bom_and_crlf_rows() {
        let mut csv = Csv::new();
        csv.row(["a", "b,c"]);
        csv.blank_line();
        csv.row(vec![String::from("=1")]);
        assert_eq!(csv.finish(), "\u{feff}a,\"b,c\"\r\n\r\n'=1\r\n");
    }
}
