//! Reports: one module per format, each turning the sorted outcomes of a run into text.
//! Reporters never run anything; they only render what the suite returned.

pub mod human;

/// Whether to colour terminal output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Style {
    pub color: bool,
}

impl Style {
    pub fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    pub fn red(&self, text: &str) -> String {
        self.paint("31", text)
    }

    pub fn green(&self, text: &str) -> String {
        self.paint("32", text)
    }

    pub fn yellow(&self, text: &str) -> String {
        self.paint("33", text)
    }

    pub fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }

    pub fn dim(&self, text: &str) -> String {
        self.paint("2", text)
    }

    /// Colours the lines of a unified diff: removals red, additions green, hunks cyan.
    pub fn diff(&self, diff: &str) -> String {
        diff.lines()
            .map(|line| {
                let painted = if line.starts_with("---") || line.starts_with("+++") {
                    self.bold(line)
                } else if line.starts_with('-') {
                    self.red(line)
                } else if line.starts_with('+') {
                    self.green(line)
                } else if line.starts_with("@@") {
                    self.paint("36", line)
                } else {
                    line.to_owned()
                };
                painted + "\n"
            })
            .collect()
    }
}
