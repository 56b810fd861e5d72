//! Runs the real `cloak` binary: round trips and every failure path.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const PASS: &str = "correct horse battery staple";

fn cloak(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cloak"));
    c.current_dir(dir)
        .args(args)
        .env("CLOAK_PASSPHRASE", PASS)
        .env_remove("CLOAK_NEW_PASSPHRASE");
    c
}

fn run(dir: &Path, args: &[&str]) -> Output {
    cloak(dir, args).stdin(Stdio::null()).output().unwrap()
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let out = run(dir, args);
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn fails(dir: &Path, args: &[&str], needle: &str) -> String {
    let out = run(dir, args);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "{args:?} should fail");
    assert!(err.contains(needle), "{args:?}: {err:?} lacks {needle:?}");
    assert_eq!(err.trim_end().lines().count(), 1, "one-line error: {err:?}");
    assert!(err.starts_with("cloak: error: "), "{err}");
    err
}

fn setup() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let out = ok(dir.path(), &["key", "new", "--out", "me.key"]);
    assert!(
        out.contains("CLOAKRECOVERY1-") && out.contains("cloak1"),
        "{out}"
    );
    let path = dir.path().to_path_buf();
    (dir, path)
}

fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn data(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 % 255) as u8).collect()
}

#[test]
fn file_round_trips_restore_name_at_chunk_boundaries() {
    let (_t, dir) = setup();
    for size in [0usize, 1, 16383, 16384, 16385, 2 * 16384 + 500] {
        let name = format!("report {size}.pdf");
        std::fs::write(dir.join(&name), data(size)).unwrap();
        ok(&dir, &["encrypt", "--key", "me.key", &name]);
        let sealed = format!("{name}.cloak");
        std::fs::create_dir(dir.join(format!("out{size}"))).unwrap();
        std::fs::rename(dir.join(&sealed), dir.join(format!("out{size}/x.cloak"))).unwrap();
        ok(
            &dir,
            &["decrypt", "--key", "me.key", &format!("out{size}/x.cloak")],
        );
        assert_eq!(
            std::fs::read(dir.join(format!("out{size}/{name}"))).unwrap(),
            data(size)
        );
    }
}

#[test]
fn never_overwrites() {
    let (_t, dir) = setup();
    std::fs::write(dir.join("a.txt"), b"first").unwrap();
    ok(&dir, &["encrypt", "--key", "me.key", "a.txt"]);
    fails(
        &dir,
        &["encrypt", "--key", "me.key", "a.txt"],
        "already exists",
    );
    ok(&dir, &["decrypt", "--key", "me.key", "a.txt.cloak"]);
    assert_eq!(std::fs::read(dir.join("a.txt")).unwrap(), b"first");
    assert_eq!(std::fs::read(dir.join("a (1).txt")).unwrap(), b"first");
    fails(&dir, &["key", "new", "--out", "me.key"], "already exists");
    fails(
        &dir,
        &[
            "decrypt",
            "--key",
            "me.key",
            "--output",
            "a.txt",
            "a.txt.cloak",
        ],
        "already exists",
    );
}

#[test]
fn stdin_stdout_100_mib() {
    let (_t, dir) = setup();
    let body = data(100 << 20);
    let mut enc = cloak(&dir, &["encrypt", "--key", "me.key", "--name", "big.bin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = enc.stdin.take().unwrap();
    let feeder = {
        let body = body.clone();
        std::thread::spawn(move || stdin.write_all(&body).unwrap())
    };
    let sealed = enc.wait_with_output().unwrap();
    feeder.join().unwrap();
    assert!(sealed.status.success());
    std::fs::write(dir.join("big.cloak"), &sealed.stdout).unwrap();
    let out = cloak(&dir, &["decrypt", "--key", "me.key", "-o", "-"])
        .stdin(std::fs::File::open(dir.join("big.cloak")).unwrap())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout == body, "stdout round trip differs");
}

#[test]
fn failures_are_clear_and_leave_nothing_behind() {
    let (_t, dir) = setup();
    std::fs::write(dir.join("doc.txt"), data(50_000)).unwrap();
    ok(&dir, &["encrypt", "--key", "me.key", "doc.txt"]);
    let sealed = std::fs::read(dir.join("doc.txt.cloak")).unwrap();
    std::fs::create_dir(dir.join("bad")).unwrap();
    let mut tampered = sealed.clone();
    tampered[sealed.len() / 2] ^= 4;
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "truncated.cloak",
            sealed[..sealed.len() - 10].to_vec(),
            "truncated",
        ),
        ("tampered.cloak", tampered, "tampered"),
        (
            "notcloak.cloak",
            b"hello world".to_vec(),
            "not a Cloak file",
        ),
        (
            "trailing.cloak",
            [sealed.clone(), b"x".to_vec()].concat(),
            "after the end",
        ),
    ];
    for (name, bytes, needle) in cases {
        std::fs::write(dir.join("bad").join(name), bytes).unwrap();
        let before = listing(&dir.join("bad"));
        fails(
            &dir,
            &["decrypt", "--key", "me.key", &format!("bad/{name}")],
            needle,
        );
        assert_eq!(
            listing(&dir.join("bad")),
            before,
            "{name} left a file behind"
        );
    }
    ok(&dir, &["key", "new", "--out", "other.key"]);
    let err = fails(
        &dir,
        &["decrypt", "--key", "other.key", "doc.txt.cloak"],
        "import that key",
    );
    let shown = ok(&dir, &["key", "show", "--key", "me.key"]);
    let id = shown.split_whitespace().nth(2).unwrap()[..8].to_uppercase();
    assert!(err.contains(&id), "{err} should name key {id}");
    let out = cloak(&dir, &["decrypt", "--key", "me.key", "doc.txt.cloak"])
        .env("CLOAK_PASSPHRASE", "wrong")
        .output()
        .unwrap();
    assert!(
        !out.status.success() && String::from_utf8_lossy(&out.stderr).contains("wrong passphrase")
    );
    fails(
        &dir,
        &["decrypt", "--key", "me.key", "missing.cloak"],
        "cannot open",
    );
    fails(
        &dir,
        &[
            "encrypt",
            "--recipient",
            "cloak1nope",
            "doc.txt",
            "-o",
            "x.cloak",
        ],
        "recipient",
    );
    fails(&dir, &["encrypt", "doc.txt"], "nothing to encrypt to");
}

#[test]
fn recipients_recovery_import_inspect() {
    let (_t, dir) = setup();
    ok(&dir, &["key", "new", "--out", "friend.key"]);
    let friend = ok(&dir, &["key", "show", "--key", "friend.key"]);
    let recipient = friend
        .split_whitespace()
        .find(|w| w.starts_with("cloak1"))
        .unwrap()
        .to_string();
    std::fs::write(dir.join("gift.txt"), b"for you").unwrap();
    ok(
        &dir,
        &["encrypt", "-r", &recipient, "gift.txt", "-o", "gift.cloak"],
    );
    fails(
        &dir,
        &["decrypt", "--key", "me.key", "gift.cloak", "-o", "x"],
        "public recipient",
    );
    ok(
        &dir,
        &[
            "decrypt",
            "--key",
            "friend.key",
            "gift.cloak",
            "-o",
            "got.txt",
        ],
    );
    assert_eq!(std::fs::read(dir.join("got.txt")).unwrap(), b"for you");

    let inspect = ok(&dir, &["inspect", "gift.cloak"]);
    assert!(inspect.contains("1 public recipient"), "{inspect}");

    // Recovery key rebuilds the same key; import adds it without replacing.
    let recovery = ok(&dir, &["key", "recovery", "--key", "friend.key"]);
    let mut rec = cloak(&dir, &["key", "recover", "--out", "restored.key"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    rec.stdin
        .take()
        .unwrap()
        .write_all(recovery.to_lowercase().as_bytes())
        .unwrap();
    assert!(rec.wait_with_output().unwrap().status.success());
    ok(
        &dir,
        &[
            "decrypt",
            "--key",
            "restored.key",
            "gift.cloak",
            "-o",
            "again.txt",
        ],
    );
    let mut imp = cloak(&dir, &["key", "import", "--key", "me.key", "--recovery"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    imp.stdin
        .take()
        .unwrap()
        .write_all(recovery.as_bytes())
        .unwrap();
    let out = imp.wait_with_output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("Imported 1 new"));
    ok(
        &dir,
        &[
            "decrypt",
            "--key",
            "me.key",
            "gift.cloak",
            "-o",
            "third.txt",
        ],
    );
    let me = ok(&dir, &["key", "show", "--key", "me.key"]);
    assert_eq!(me.matches("key id").count(), 2);
    let mut bad = cloak(&dir, &["key", "recover", "--out", "typo.key"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let typo = recovery.trim().replacen('Q', "P", 1).replacen('7', "8", 1);
    bad.stdin
        .take()
        .unwrap()
        .write_all(typo.as_bytes())
        .unwrap();
    let out = bad.wait_with_output().unwrap();
    assert!(
        !out.status.success()
            && String::from_utf8_lossy(&out.stderr).contains("recovery key is invalid")
    );
}

#[test]
fn passphrase_file_and_change() {
    let (_t, dir) = setup();
    std::fs::write(dir.join("pw.txt"), format!("{PASS}\n")).unwrap();
    std::fs::write(dir.join("n.txt"), b"n").unwrap();
    let out = cloak(
        &dir,
        &[
            "encrypt",
            "--key",
            "me.key",
            "--passphrase-file",
            "pw.txt",
            "n.txt",
        ],
    )
    .env_remove("CLOAK_PASSPHRASE")
    .stdin(Stdio::null())
    .output()
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = cloak(&dir, &["key", "passwd", "--key", "me.key"])
        .env("CLOAK_NEW_PASSPHRASE", "a brand new passphrase")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    fails(
        &dir,
        &["decrypt", "--key", "me.key", "n.txt.cloak", "-o", "m"],
        "wrong passphrase",
    );
    let out = cloak(
        &dir,
        &["decrypt", "--key", "me.key", "n.txt.cloak", "-o", "m"],
    )
    .env("CLOAK_PASSPHRASE", "a brand new passphrase")
    .output()
    .unwrap();
    assert!(out.status.success());
    let no_tty = cloak(
        &dir,
        &["decrypt", "--key", "me.key", "n.txt.cloak", "-o", "q"],
    )
    .env_remove("CLOAK_PASSPHRASE")
    .stdin(Stdio::null())
    .stderr(Stdio::piped())
    .output()
    .unwrap();
    assert!(
        !no_tty.status.success()
            && String::from_utf8_lossy(&no_tty.stderr).contains("CLOAK_PASSPHRASE")
    );
}

#[test]
fn inspect_fails_for_every_invalid_file() {
    let (_d, dir) = setup();
    std::fs::write(dir.join("empty"), b"").unwrap();
    fails(
        &dir,
        &["inspect", "empty"],
        "not a Cloak file: the input is empty",
    );
    std::fs::write(dir.join("notes.txt"), b"just some text").unwrap();
    fails(&dir, &["inspect", "notes.txt"], "not a Cloak file");
    std::fs::write(dir.join("a.txt"), data(50_000)).unwrap();
    ok(&dir, &["encrypt", "--key", "me.key", "a.txt"]);
    ok(&dir, &["inspect", "a.txt.cloak"]);
    let json: serde_json::Value =
        serde_json::from_str(&ok(&dir, &["inspect", "--json", "a.txt.cloak"])).unwrap();
    let header = json["header_bytes"].as_u64().unwrap() as usize;
    let whole = std::fs::read(dir.join("a.txt.cloak")).unwrap();
    // Ends on a chunk boundary, which no complete file does (its last chunk is short).
    let cut = header + 56 + 2 * 16_400;
    std::fs::write(dir.join("cut.cloak"), &whole[..cut]).unwrap();
    std::fs::write(dir.join("head.cloak"), &whole[..header - 5]).unwrap();
    fails(
        &dir,
        &["inspect", "head.cloak"],
        "truncated inside its header",
    );
    for args in [
        &["inspect", "cut.cloak"][..],
        &["inspect", "--json", "cut.cloak"],
    ] {
        let out = run(&dir, args);
        assert!(!out.status.success(), "{args:?} accepted a truncated file");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("truncated"), "{err}");
    }
}

#[test]
fn a_weak_scripted_passphrase_is_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let out = cloak(dir.path(), &["key", "new", "--out", "weak.key"])
        .env("CLOAK_PASSPHRASE", "password")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "a script's passphrase is warned about, not refused"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("warning: the passphrase is too weak"), "{err}");
    let out = cloak(dir.path(), &["key", "new", "--out", "ok.key"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(!String::from_utf8_lossy(&out.stderr).contains("too weak"));
}

#[test]
fn hidden_folders_come_back_inside_the_output_folder_only() {
    let (_d, dir) = setup();
    let text = std::fs::read_to_string(dir.join("me.key")).unwrap();
    let key = cloak::KeyFile::from_json(&text)
        .unwrap()
        .unlock(PASS)
        .unwrap()
        .remove(0);
    for (i, folder) in ["Taxes/2024", "../../escape/x", "/abs/olute"]
        .into_iter()
        .enumerate()
    {
        let meta = cloak::Metadata {
            name: Some("receipt.pdf".into()),
            folder: Some(folder.into()),
            size: Some(3),
            ..cloak::Metadata::default()
        };
        let (mut enc, mut out) =
            cloak::Encryptor::new(&[&key], &[], &meta, &cloak::EncryptOptions::default()).unwrap();
        enc.push(b"abc", &mut out).unwrap();
        enc.finish(&mut out).unwrap();
        let sub = dir.join(format!("in{i}"));
        std::fs::create_dir(&sub).unwrap();
        std::fs::write(sub.join("x.cloak"), &out).unwrap();
        ok(&sub, &["decrypt", "--key", "../me.key", "x.cloak"]);
    }
    assert_eq!(
        std::fs::read(dir.join("in0/Taxes/2024/receipt.pdf")).unwrap(),
        b"abc"
    );
    assert_eq!(
        std::fs::read(dir.join("in1/escape/x/receipt.pdf")).unwrap(),
        b"abc"
    );
    assert_eq!(
        std::fs::read(dir.join("in2/abs/olute/receipt.pdf")).unwrap(),
        b"abc"
    );
    assert!(!dir.join("escape").exists() && !std::path::Path::new("/abs/olute").exists());
}

#[test]
fn rotation_keeps_old_files_readable_and_encrypts_to_the_new_key() {
    let (_d, dir) = setup();
    std::fs::write(dir.join("old.txt"), b"before rotation").unwrap();
    ok(&dir, &["encrypt", "--key", "me.key", "old.txt"]);
    let before = ok(&dir, &["key", "show", "--key", "me.key"]);
    let out = ok(&dir, &["key", "rotate", "--key", "me.key"]);
    assert!(out.contains("CLOAKRECOVERY1-"), "{out}");
    let shown = ok(&dir, &["key", "show", "--key", "me.key"]);
    assert_eq!(shown.matches("key id").count(), 2, "{shown}");
    assert_eq!(shown.matches("(default)").count(), 1, "{shown}");
    let old_id = before.split_whitespace().nth(2).unwrap();
    assert!(!shown.contains(&format!("{old_id} (default)")), "{shown}");
    std::fs::write(dir.join("new.txt"), b"after rotation").unwrap();
    ok(&dir, &["encrypt", "--key", "me.key", "new.txt"]);
    let inspect = ok(&dir, &["inspect", "--json", "new.txt.cloak"]);
    assert!(
        !inspect.contains(old_id),
        "new files go to the new default key: {inspect}"
    );
    std::fs::remove_file(dir.join("old.txt")).unwrap();
    std::fs::remove_file(dir.join("new.txt")).unwrap();
    ok(&dir, &["decrypt", "--key", "me.key", "old.txt.cloak"]);
    ok(&dir, &["decrypt", "--key", "me.key", "new.txt.cloak"]);
    assert_eq!(
        std::fs::read(dir.join("old.txt")).unwrap(),
        b"before rotation"
    );
    assert_eq!(
        std::fs::read(dir.join("new.txt")).unwrap(),
        b"after rotation"
    );
}
