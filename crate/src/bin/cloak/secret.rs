//! Reading passphrases and recovery keys: environment, file or terminal prompt.

use std::io::{BufRead, IsTerminal};
use std::path::Path;

use anyhow::{Context, Result, bail};
use zeroize::Zeroizing;

use crate::cli::PassphraseArgs;

/// Environment variable holding the passphrase.
pub const PASSPHRASE_ENV: &str = "CLOAK_PASSPHRASE";
/// Environment variable holding the new passphrase for `key passwd`.
pub const NEW_PASSPHRASE_ENV: &str = "CLOAK_NEW_PASSPHRASE";
/// Environment variable holding the passphrase of the key file being imported.
pub const IMPORT_PASSPHRASE_ENV: &str = "CLOAK_IMPORT_PASSPHRASE";

fn first_line(path: &Path) -> Result<Zeroizing<String>> {
    let text = Zeroizing::new(
        std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the passphrase file {}", path.display()))?,
    );
    Ok(Zeroizing::new(
        text.lines().next().unwrap_or_default().to_string(),
    ))
}

/// Gets a passphrase from `env`, else the file, else the terminal. With
/// `confirm`, a prompted passphrase is asked twice.
pub fn passphrase(
    env: &str,
    args: &PassphraseArgs,
    prompt: &str,
    confirm: bool,
) -> Result<Zeroizing<String>> {
    if let Ok(value) = std::env::var(env) {
        return Ok(Zeroizing::new(value));
    }
    if let Some(path) = &args.passphrase_file {
        return first_line(path);
    }
    if !std::io::stdin().is_terminal() && !std::io::stderr().is_terminal() {
        bail!("a passphrase is needed: set {env} or use --passphrase-file (no terminal to ask on)");
    }
    let first = Zeroizing::new(
        rpassword::prompt_password(format!("{prompt}: ")).context("cannot read the passphrase")?,
    );
    if confirm {
        let again = Zeroizing::new(
            rpassword::prompt_password("Repeat it: ").context("cannot read the passphrase")?,
        );
        if *again != *first {
            bail!("the passphrases do not match");
        }
    }
    Ok(first)
}

/// Checks a new passphrase against the one estimator and threshold the
/// extension uses too. A prompted passphrase below it is refused; one from
/// `env` or a passphrase file (scripts, tests) only gets a warning.
pub fn check_new(passphrase: &str, env: &str, args: &PassphraseArgs) -> Result<()> {
    let strength = cloak::passphrase_strength(passphrase);
    if strength.ok {
        return Ok(());
    }
    let mut why = format!(
        "the passphrase is too weak (strength {} of 4; Cloak needs {})",
        strength.score,
        cloak::MIN_SCORE
    );
    if let Some(warning) = &strength.warning {
        why.push_str(&format!(": {warning}"));
    }
    if let Some(hint) = strength.suggestions.first() {
        why.push_str(&format!(". {hint}"));
    }
    if std::env::var_os(env).is_some() || args.passphrase_file.is_some() {
        eprintln!("cloak: warning: {why}");
        return Ok(());
    }
    bail!("{why}")
}

/// Reads a recovery key: prompted on a terminal, else the first line of stdin.
pub fn recovery_key() -> Result<Zeroizing<String>> {
    if std::io::stdin().is_terminal() {
        return Ok(Zeroizing::new(
            rpassword::prompt_password("Recovery key: ").context("cannot read the recovery key")?,
        ));
    }
    let mut line = Zeroizing::new(String::new());
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the recovery key from standard input")?;
    Ok(line)
}
