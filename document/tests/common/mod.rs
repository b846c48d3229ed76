//! Helpers for the PDF tests: sample inputs, and running poppler/zbar tools when installed.

#![allow(dead_code)] // each test binary uses a different part

pub mod samples;

use std::io::Write;
use std::path::PathBuf;
use std::process::Command;

/// A PDF written to a fresh temporary file, removed again on drop.
pub struct TempPdf {
    pub path: PathBuf,
}

impl TempPdf {
    pub fn new(bytes: &[u8]) -> TempPdf {
        static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let path = std::env::temp_dir().join(format!(
            "jiugai-document-test-{}-{n}.pdf",
            std::process::id()
        ));
        let mut file = std::fs::File::create(&path).expect("create a temporary PDF");
        file.write_all(bytes).expect("write the temporary PDF");
        TempPdf { path }
    }
}

impl Drop for TempPdf {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
        let stem = self.path.with_extension("");
        for page in 1..100 {
            let png = PathBuf::from(format!("{}-{page}.png", stem.display()));
            let two = PathBuf::from(format!("{}-{page:02}.png", stem.display()));
            let _ = std::fs::remove_file(png);
            let _ = std::fs::remove_file(two);
        }
    }
}

/// Whether `tool` can be run; if not, says loudly that the calling test is skipped.
pub fn have(tool: &str, test: &str) -> bool {
    let found = Command::new(tool).arg("-v").output().is_ok();
    if !found {
        eprintln!(
            "SKIPPED: {tool} not installed — {test} did not run (CI installs poppler-utils and zbar-tools)"
        );
    }
    found
}

/// Runs `tool` with `args` and returns its standard output; panics with its error output if it fails.
pub fn run(tool: &str, args: &[&str]) -> String {
    let output = Command::new(tool)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("run {tool}: {e}"));
    assert!(
        output.status.success(),
        "{tool} {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The text of every page (pdftotext separates pages with form feeds).
pub fn page_texts(pdf: &TempPdf) -> Vec<String> {
    let path = pdf.path.to_string_lossy();
    let text = run("pdftotext", &[path.as_ref(), "-"]);
    let mut pages: Vec<String> = text.split('\u{c}').map(str::to_owned).collect();
    if pages.last().is_some_and(|p| p.trim().is_empty()) {
        pages.pop();
    }
    pages
}

/// Text with all whitespace removed, so words wrapped or spaced by the layout still match.
pub fn squeeze(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}
