//! A small CSV reader (RFC 4180: commas, double-quoted fields with "" for a quote, CRLF or
//! LF line ends) for bulk invites. It never panics on any input and reports problems with
//! the line they are on, so an admin can fix the file.

/// One record: its fields and the (1-based) line it starts on.
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
    let mut records = Vec::new();
    let mut fields: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut line = 1;
    let mut record_line = 1;
    let mut chars = text.chars().peekable();
    // Whether the current field was quoted, and whether we are inside its quotes.
    let mut quoted = false;
    let mut in_quotes = false;
    let mut quote_line = 1;
    while let Some(c) = chars.next() {
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => in_quotes = false,
                '\n' => {
                    line += 1;
                    field.push('\n');
                }
                c => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() && !quoted => {
                quoted = true;
                in_quotes = true;
                quote_line = line;
            }
            ',' => {
                fields.push(std::mem::take(&mut field));
                quoted = false;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => {
                fields.push(std::mem::take(&mut field));
                quoted = false;
                if !(fields.len() == 1 && fields[0].trim().is_empty()) {
                    records.push(Record {
                        line: record_line,
                        fields: std::mem::take(&mut fields),
                    });
                }
                fields.clear();
                line += 1;
                record_line = line;
            }
            c if quoted => {
                if !c.is_whitespace() {
                    return Err(CsvError::TextAfterQuote { line });
                }
            }
            c => field.push(c),
        }
    }
    if in_quotes {
        return Err(CsvError::UnclosedQuote { line: quote_line });
    }
    fields.push(field);
    if !(fields.len() == 1 && fields[0].trim().is_empty()) {
        records.push(Record {
            line: record_line,
            fields,
        });
    }
    Ok(records)
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
