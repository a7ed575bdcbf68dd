//! The one table `make bench` prints: sections of rows with the same
//! columns, notes under each.

use std::time::Duration;

enum Line {
    Section(String, Vec<String>),
    Row(Vec<String>),
    Note(String),
}

#[derive(Default)]
pub struct Table {
    lines: Vec<Line>,
}

impl Table {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn section(&mut self, title: &str, header: &[&str]) {
        self.lines.push(Line::Section(
            title.to_string(),
            header.iter().map(|s| s.to_string()).collect(),
        ));
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.lines.push(Line::Row(cells));
    }

    pub fn note(&mut self, text: &str) {
        self.lines.push(Line::Note(text.to_string()));
    }

    /// Prints the table as Markdown, so the README can show it as it is.
    pub fn print(&self) {
        for line in &self.lines {
            match line {
                Line::Section(title, header) => {
                    println!("\n**{title}**\n");
                    println!("| {} |", header.join(" | "));
                    println!("|{}", "---|".repeat(header.len()));
                }
                Line::Row(cells) => println!("| {} |", cells.join(" | ")),
                Line::Note(text) => println!("\n_{text}_"),
            }
        }
    }
}

pub fn us(d: Duration) -> String {
    let micros = d.as_secs_f64() * 1e6;
    if micros >= 10_000.0 {
        format!("{:.1} ms", micros / 1000.0)
    } else {
        format!("{micros:.0} µs")
    }
}

pub fn ms(d: Duration) -> String {
    let millis = d.as_secs_f64() * 1000.0;
    if millis >= 10_000.0 {
        format!("{:.1} s", millis / 1000.0)
    } else if millis >= 10.0 {
        format!("{millis:.0} ms")
    } else {
        format!("{millis:.2} ms")
    }
}

pub fn ratio(r: f64) -> String {
    format!("{r:.1}×")
}

pub fn bytes(n: u64) -> String {
    let n = n as f64;
    if n >= 1e6 {
        format!("{:.1} MB", n / 1e6)
    } else {
        format!("{:.0} kB", n / 1e3)
    }
}
