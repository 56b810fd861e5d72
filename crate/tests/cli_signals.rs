//! Interrupting the real `cloak` binary: a signal mid-decrypt leaves nothing
//! but the input, whether the output is a file, the input a stalled FIFO, or
//! standard output a pipe nobody reads.
#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::fs::{self, File};
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PASS: &str = "correct horse battery staple";
const BIG: usize = 300 << 20;

fn cloak(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cloak"));
    c.current_dir(dir)
        .args(args)
        .env("CLOAK_PASSPHRASE", PASS)
        .stdin(Stdio::null())
        .stderr(Stdio::piped());
    c
}

/// `cloak decrypt INPUT -o big.bin` in `dir`.
fn decrypt_to_file(dir: &Path, input: &str) -> Command {
    cloak(dir, &["decrypt", "--key", "me.key", input, "-o", "big.bin"])
}

fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// A key and a 300 MiB `big.bin.cloak` (the plaintext removed).
fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let ok = |args: &[&str]| {
        let out = cloak(dir.path(), args).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    ok(&["key", "new", "--out", "me.key"]);
    let mut f = File::create(dir.path().join("big.bin")).unwrap();
    let block: Vec<u8> = (0..1 << 20).map(|i| (i * 7 % 251) as u8).collect();
    for _ in 0..BIG >> 20 {
        f.write_all(&block).unwrap();
    }
    drop(f);
    ok(&["encrypt", "--key", "me.key", "big.bin"]);
    fs::remove_file(dir.path().join("big.bin")).unwrap();
    dir
}

/// The staged output, once it holds at least `min` bytes.
fn wait_for_partial(dir: &Path, child: &mut Child, min: u64) -> PathBuf {
    let start = Instant::now();
    loop {
        for e in fs::read_dir(dir).unwrap() {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with(".cloak-partial-") && e.metadata().unwrap().len() >= min {
                return e.path();
            }
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "cloak ended before it could be interrupted"
        );
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "no partial output appeared"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn kill(child: &Child, signal: &str) {
    let status = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

fn interrupted(child: Child, signal: &str) {
    kill(&child, signal);
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success(), "{signal}: cloak reported success");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("interrupted"), "{signal}: {err}");
}

#[test]
fn a_signal_mid_decrypt_to_a_file_leaves_only_the_input() {
    let dir = setup();
    let d = dir.path();
    let before = listing(d);
    for signal in ["INT", "TERM", "HUP"] {
        let mut child = decrypt_to_file(d, "big.bin.cloak").spawn().unwrap();
        let partial = wait_for_partial(d, &mut child, 4 << 20);
        let mode = fs::metadata(&partial).unwrap().permissions().mode() & 0o777;
        assert_eq!(
            mode, 0o600,
            "a partial output is readable by its owner only"
        );
        interrupted(child, signal);
        assert_eq!(listing(d), before, "{signal} left something behind");
    }
    // Uninterrupted, the output gets an ordinary mode only once complete.
    let out = decrypt_to_file(d, "big.bin.cloak").output().unwrap();
    assert!(out.status.success());
    let mode = fs::metadata(d.join("big.bin"))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o644);
    assert_eq!(fs::metadata(d.join("big.bin")).unwrap().len(), BIG as u64);
}

#[test]
fn a_signal_while_the_input_fifo_stalls_leaves_only_the_input() {
    let dir = setup();
    let d = dir.path();
    assert!(
        Command::new("mkfifo")
            .arg(d.join("in.fifo"))
            .status()
            .unwrap()
            .success()
    );
    let before = listing(d);
    let sealed = fs::read(d.join("big.bin.cloak")).unwrap();
    for signal in ["INT", "TERM", "HUP"] {
        let mut child = decrypt_to_file(d, "in.fifo").spawn().unwrap();
        // The writer sends a part, then stalls with the FIFO open.
        let mut fifo = fs::OpenOptions::new()
            .write(true)
            .open(d.join("in.fifo"))
            .unwrap();
        fifo.write_all(&sealed[..20 << 20]).unwrap();
        wait_for_partial(d, &mut child, 8 << 20);
        interrupted(child, signal);
        drop(fifo);
        assert_eq!(listing(d), before, "{signal} left something behind");
    }
}

#[test]
fn a_signal_while_standard_output_stalls_ends_the_run() {
    let dir = setup();
    let d = dir.path();
    let before = listing(d);
    // Nobody reads the pipe: cloak blocks writing to it.
    let child = cloak(
        d,
        &["decrypt", "--key", "me.key", "big.bin.cloak", "-o", "-"],
    )
    .stdout(Stdio::piped())
    .spawn()
    .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    interrupted(child, "TERM");
    assert_eq!(listing(d), before);
}
