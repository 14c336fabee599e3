//! Progress of long CLI commands (seed, import) on stderr: an `indicatif` bar on a terminal.
//! indicatif hides its bar when stderr is not a terminal, and a CI log or a pipe should still
//! show how far a long seed got, so there a plain line is printed every tenth of the way.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub struct Progress {
    bar: ProgressBar,
    label: &'static str,
    tty: bool,
    last_tenth: u64,
}

impl Progress {
    pub fn new(label: &'static str, total: usize) -> Progress {
        let tty = std::io::stderr().is_terminal();
        let bar = ProgressBar::with_draw_target(
            Some(total.max(1) as u64),
            if tty {
                ProgressDrawTarget::stderr()
            } else {
                ProgressDrawTarget::hidden()
            },
        );
        bar.set_style(
            ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} ({percent}%, {eta} left)")
                .expect("the template is valid")
                .progress_chars("#>-"),
        );
        bar.set_message(label);
        Progress {
            bar,
            label,
            tty,
            last_tenth: 0,
        }
    }

    pub fn set(&mut self, done: usize) {
        let total = self.bar.length().unwrap_or(1);
        let done = (done as u64).min(total);
        self.bar.set_position(done);
        if !self.tty {
            let tenth = done * 10 / total;
            if tenth > self.last_tenth {
                self.last_tenth = tenth;
                eprintln!("{} {done}/{total} ({}%)", self.label, done * 100 / total);
            }
        }
    }

    pub fn finish(&mut self) {
        self.bar.finish();
    }
}
