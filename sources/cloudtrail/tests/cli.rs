//! The command line when whatever reads its messages stops early.

use std::path::Path;
use std::process::{Command, Stdio};

#[test]
fn stops_once_with_one_error_when_its_reader_goes_away() {
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../samples/events");
    let mut files: Vec<_> = std::fs::read_dir(&samples)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    // Enough messages to overflow a pipe's buffer, so that writing blocks
    // until the reader has gone.
    let files: Vec<_> = files.iter().cycle().take(files.len() * 4).collect();

    let mut child = Command::new(env!("CARGO_BIN_EXE_source-cloudtrail"))
        .args(&files)
        .env("FILTER_PATTERN", "")
        .env("REPORT", "all")
        .env_remove("TOPIC_ARN")
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|line| line.starts_with("error:"))
        .collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    assert!(
        errors[0].starts_with("error: standard output was closed by its reader; stopped at "),
        "{stderr}"
    );
}
