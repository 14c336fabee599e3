//! Reading the CSV file of a bulk invite. The `csv` crate parses it (RFC 4180: commas,
//! double-quoted fields with "" for a quote, CRLF, LF or CR line ends). This module adds what
//! an admin fixing a file needs and the crate leaves out by design: the line of the first
//! byte that is not UTF-8, and a refusal, naming the line, of a quoted field that never
//! closes or has text after its closing quote. The crate would repair both silently (the
//! first by reading the rest of the file into one field, so rows would go missing).

/// One record: its fields, trimmed, and the (1-based) line it starts on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub line: usize,
    pub fields: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CsvError {
    #[error("The file is not UTF-8 text (first bad byte on line {line}). Save it as UTF-8 CSV and try again.")]
    NotUtf8 { line: usize },
    #[error("Line {line}: a quoted field is never closed.")]
    UnclosedQuote { line: usize },
    #[error("Line {line}: text after a closing quote; put the whole field in quotes.")]
    TextAfterQuote { line: usize },
    #[error("Line {line}: the file could not be read as CSV ({reason}).")]
    Unreadable { line: usize, reason: String },
}

/// Decodes bytes as UTF-8, naming the line of the first invalid byte.
pub fn decode(bytes: &[u8]) -> Result<&str, CsvError> {
    std::str::from_utf8(bytes).map_err(|e| CsvError::NotUtf8 {
        line: 1 + bytes[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count(),
    })
}

/// Splits text into records. Blank lines are skipped; a leading byte-order mark is ignored.
pub fn parse(text: &str) -> Result<Vec<Record>, CsvError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    check_quotes(text)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut records = Vec::new();
    for row in reader.records() {
        let row = row.map_err(|e| CsvError::Unreadable {
            line: e.position().map_or(1, |p| p.line() as usize),
            reason: e.to_string(),
        })?;
        // A line of spaces only is one empty field once trimmed.
        if row.len() == 1 && row[0].is_empty() {
            continue;
        }
        records.push(Record {
            line: row.position().map_or(1, |p| p.line() as usize),
            fields: row.iter().map(str::to_owned).collect(),
        });
    }
    Ok(records)
}

/// Where a field's quotes stand while the text is checked.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Quoting {
    /// Nothing of the field read yet: a quote here opens a quoted field.
    FieldStart,
    /// An unquoted field: quotes in it are text.
    Plain,
    /// Inside a quoted field, which opened on `line`.
    Open { line: usize },
    /// After a quoted field's closing quote: only spaces may follow before the comma.
    Closed,
}

/// Refuses the two quoting mistakes the crate would repair (see the module comment).
fn check_quotes(text: &str) -> Result<(), CsvError> {
    let mut line = 1;
    let mut state = Quoting::FieldStart;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        state = match (state, c) {
            (Quoting::Open { .. }, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                state
            }
            (Quoting::Open { .. }, '"') => Quoting::Closed,
            (Quoting::Open { .. }, _) => state,
            (Quoting::FieldStart, '"') => Quoting::Open { line },
            (_, ',' | '\n' | '\r') => Quoting::FieldStart,
            (Quoting::Closed, c) if c.is_whitespace() => Quoting::Closed,
            (Quoting::Closed, _) => return Err(CsvError::TextAfterQuote { line }),
            _ => Quoting::Plain,
        };
        if c == '\n' {
            line += 1;
        }
    }
    match state {
        Quoting::Open { line } => Err(CsvError::UnclosedQuote { line }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(text: &str) -> Vec<Vec<String>> {
        parse(text).unwrap().into_iter().map(|r| r.fields).collect()
    }

    #[test]
    fn plain_quoted_and_escaped_fields() {
        assert_eq!(
            fields("a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\n"),
            vec![vec!["a", "b", "c"], vec!["x, y", "say \"hi\"", ""]]
        );
    }

    #[test]
    fn blank_lines_and_a_byte_order_mark_are_skipped_and_lines_are_counted() {
        let r = parse("\u{feff}email\n\n  \nann@x.example\n\"multi\nline\",z\nlast").unwrap();
        let lines: Vec<usize> = r.iter().map(|r| r.line).collect();
        assert_eq!(lines, vec![1, 4, 5, 7]);
        assert_eq!(r[2].fields, vec!["multi\nline", "z"]);
    }

    #[test]
    fn broken_quotes_name_their_line() {
        assert_eq!(
            parse("a\n\"open,b\nc").unwrap_err(),
            CsvError::UnclosedQuote { line: 2 }
        );
        assert_eq!(
            parse("a\n\"x\"y,b").unwrap_err(),
            CsvError::TextAfterQuote { line: 2 }
        );
        // Spaces after a closing quote are forgiven.
        assert_eq!(fields("\"x\"  ,b"), vec![vec!["x", "b"]]);
    }

    #[test]
    fn invalid_utf8_names_its_line() {
        assert_eq!(
            decode(b"a\nb\n\xff\xfe").unwrap_err(),
            CsvError::NotUtf8 { line: 3 }
        );
        assert_eq!(decode("ok\n".as_bytes()).unwrap(), "ok\n");
    }

    #[test]
    fn arbitrary_input_never_panics() {
        let mut x: u64 = 42;
        for _ in 0..2_000 {
            let len = (x % 40) as usize;
            let s: String = (0..len)
                .map(|_| {
                    x = x
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    ['a', ',', '"', '\n', '\r', ' ', 'é'][(x >> 60) as usize % 7]
                })
                .collect();
            let _ = parse(&s);
        }
    }
}
