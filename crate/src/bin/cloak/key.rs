//! `cloak key …`: creating, recovering, importing and inspecting key files.

use std::path::Path;

use anyhow::{Context, Result, bail};
use cloak::{KdfParams, KeyFile, VaultKey};
use zeroize::Zeroizing;

use crate::cli::{KeyCommand, PassphraseArgs};
use crate::secret::{self, IMPORT_PASSPHRASE_ENV, NEW_PASSPHRASE_ENV, PASSPHRASE_ENV};

/// Runs a key sub-command.
pub fn run(cmd: KeyCommand) -> Result<()> {
    match cmd {
        KeyCommand::New { out, pass } => {
            let key = VaultKey::generate()?;
            write_new(&out, &key, &pass)?;
            println!("Created {}", out.display());
            print_key(&key);
            println!();
            println!(
                "Recovery key (write it down and keep it safe; it restores this key without the passphrase):"
            );
            println!("{}", key.recovery_key().as_str());
            Ok(())
        }
        KeyCommand::Recover { out, pass } => {
            let key = VaultKey::from_recovery_key(&secret::recovery_key()?)?;
            write_new(&out, &key, &pass)?;
            println!("Recovered key into {}", out.display());
            print_key(&key);
            Ok(())
        }
        KeyCommand::Import {
            key,
            from,
            recovery,
            pass,
        } => import(&key, from.as_deref(), recovery, &pass),
        KeyCommand::Rotate { key, pass } => {
            let mut file = load(&key)?;
            let passphrase = passphrase_for(&key, &pass)?;
            let new = VaultKey::generate()?;
            file.rotate(&passphrase, &new)?;
            save(&key, &file, true)?;
            println!("New default key for new files; the older keys stay, to decrypt.");
            print_key(&new);
            println!();
            println!(
                "Recovery key of the new key (write it down; the old recovery keys do not restore it):"
            );
            println!("{}", new.recovery_key().as_str());
            Ok(())
        }
        KeyCommand::Show { key } => {
            let file = load(&key)?;
            let default_id = file.default_key_id().map(str::to_string);
            for entry in &file.keys {
                let default = if Some(&entry.key_id) == default_id.as_ref() {
                    " (default)"
                } else {
                    ""
                };
                println!(
                    "key id {}{default}\n  recipient {}",
                    entry.key_id, entry.recipient
                );
            }
            Ok(())
        }
        KeyCommand::Recovery { key, pass } => {
            let keys = unlock(&key, &pass)?;
            let first = keys.first().context("the key file holds no key")?;
            println!("{}", first.recovery_key().as_str());
            Ok(())
        }
        KeyCommand::Passwd { key, pass } => {
            let file = load(&key)?;
            let old = secret::passphrase(PASSPHRASE_ENV, &pass, "Current passphrase", false)?;
            let new = secret::passphrase(
                NEW_PASSPHRASE_ENV,
                &PassphraseArgs::default(),
                "New passphrase",
                true,
            )?;
            secret::check_new(&new, NEW_PASSPHRASE_ENV, &PassphraseArgs::default())?;
            let changed = file.change_passphrase(&old, &new, KdfParams::RECOMMENDED)?;
            save(&key, &changed, true)?;
            println!("Passphrase changed for {}", key.display());
            Ok(())
        }
    }
}

fn print_key(key: &VaultKey) {
    println!("Key id: {}", key.key_id());
    println!(
        "Public recipient (share it so others can encrypt to you): {}",
        key.recipient()
    );
}

fn write_new(out: &Path, key: &VaultKey, pass: &PassphraseArgs) -> Result<()> {
    if out.exists() {
        bail!(
            "{} already exists; not overwriting a key file",
            out.display()
        );
    }
    let passphrase = secret::passphrase(PASSPHRASE_ENV, pass, "New passphrase", true)?;
    secret::check_new(&passphrase, PASSPHRASE_ENV, pass)?;
    let file = KeyFile::create(
        std::slice::from_ref(key),
        &passphrase,
        KdfParams::RECOMMENDED,
    )?;
    save(out, &file, false)
}

/// Loads a key file.
pub fn load(path: &Path) -> Result<KeyFile> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the key file {}", path.display()))?;
    KeyFile::from_json(&text).with_context(|| format!("{}", path.display()))
}

/// The passphrase of the key file at `path`.
fn passphrase_for(path: &Path, pass: &PassphraseArgs) -> Result<zeroize::Zeroizing<String>> {
    secret::passphrase(
        PASSPHRASE_ENV,
        pass,
        &format!("Passphrase for {}", path.display()),
        false,
    )
}

/// Loads and unlocks a key file.
pub fn unlock(path: &Path, pass: &PassphraseArgs) -> Result<Vec<VaultKey>> {
    let file = load(path)?;
    let passphrase = passphrase_for(path, pass)?;
    Ok(file.unlock(&passphrase)?)
}

fn save(path: &Path, file: &KeyFile, replace: bool) -> Result<()> {
    let dir = crate::io::parent_dir(path);
    let mut out = crate::io::Output::staged(&dir, true)?;
    out.write_all(file.to_json().as_bytes())?;
    out.write_all(b"\n")?;
    out.commit(Some(path), replace)
}

fn import(path: &Path, from: Option<&Path>, recovery: bool, pass: &PassphraseArgs) -> Result<()> {
    let mut file = load(path)?;
    let incoming: Vec<VaultKey> = match (from, recovery) {
        (Some(other), _) => {
            let other_file = load(other)?;
            let other_pass: Zeroizing<String> = secret::passphrase(
                IMPORT_PASSPHRASE_ENV,
                &PassphraseArgs::default(),
                &format!("Passphrase for {}", other.display()),
                false,
            )?;
            other_file
                .unlock(&other_pass)
                .with_context(|| format!("{}", other.display()))?
        }
        (None, true) => vec![VaultKey::from_recovery_key(&secret::recovery_key()?)?],
        (None, false) => bail!("say what to import: --from KEYFILE or --recovery"),
    };
    let passphrase = passphrase_for(path, pass)?;
    let added = file.import(&passphrase, &incoming)?;
    save(path, &file, true)?;
    println!(
        "Imported {added} new key(s); {} already present",
        incoming.len() - added
    );
    Ok(())
}
