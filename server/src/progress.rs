//! A progress bar for long CLI commands (seed, import), drawn on stderr. When stderr is not
//! a terminal (CI logs, pipes) it prints a plain line every tenth of the way instead.

use std::io::{IsTerminal, Write};

pub struct Progress {
    label: &'static str,
    total: usize,
    done: usize,
    tty: bool,
    last_tenth: usize,
}

impl Progress {
    pub fn new(label: &'static str, total: usize) -> Progress {
        Progress {
            label,
            total: total.max(1),
            done: 0,
            tty: std::io::stderr().is_terminal(),
            last_tenth: 0,
        }
    }

    pub fn set(&mut self, done: usize) {
        self.done = done.min(self.total);
        let mut err = std::io::stderr().lock();
        if self.tty {
            let _ = write!(err, "\r{}", self.line());
        } else {
            let tenth = self.done * 10 / self.total;
            if tenth > self.last_tenth {
                self.last_tenth = tenth;
                let _ = writeln!(err, "{}", self.line());
            }
        }
    }

    pub fn finish(&mut self) {
        if self.tty {
            let _ = writeln!(std::io::stderr());
        }
    }

    fn line(&self) -> String {
        const WIDTH: usize = 30;
        let filled = self.done * WIDTH / self.total;
        format!(
            "{} [{}{}] {}/{} ({}%)",
            self.label,
            "#".repeat(filled),
            " ".repeat(WIDTH - filled),
            self.done,
            self.total,
            self.done * 100 / self.total
        )
    }
}
