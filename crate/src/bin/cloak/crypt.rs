//! `cloak encrypt` and `cloak decrypt`: streaming, bounded memory, and no
//! complete-looking output unless everything succeeded.

use std::path::{Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use cloak::name::safe_folders;
use cloak::{Decryptor, EncryptOptions, Encryptor, Keyring, Metadata, Recipient, safe_file_name};

use crate::cli::{DecryptArgs, EncryptArgs};
use crate::io::{BUF_SIZE, Output, for_each_piece, open_input, parent_dir, progress};
use crate::key;

/// Runs `cloak encrypt`.
pub fn encrypt(args: &EncryptArgs) -> Result<()> {
    let recipients = args
        .recipients
        .iter()
        .map(|r| {
            r.parse::<Recipient>()
                .with_context(|| format!("--recipient {r}"))
        })
        .collect::<Result<Vec<_>>>()?;
    let vault = match &args.key {
        Some(path) => {
            let keys = key::unlock(path, &args.pass)?;
            Some(
                keys.into_iter()
                    .next()
                    .context("the key file holds no key")?,
            )
        }
        None if recipients.is_empty() => {
            bail!("nothing to encrypt to: give --key KEYFILE and/or --recipient")
        }
        None => None,
    };
    let mut input = open_input(args.input.as_deref())?;
    let name = args.name.clone().or_else(|| {
        input
            .path
            .as_ref()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
    });
    let metadata = Metadata {
        mime_type: name
            .as_deref()
            .and_then(|n| mime_guess::from_path(n).first_raw())
            .map(str::to_string),
        name,
        modified_ms: input.modified_ms,
        size: input.size,
        folder: None,
        padding: 0,
    };
    let (dest, mut out) = encrypt_destination(args, input.path.as_deref())?;
    let vault_refs: Vec<_> = vault.iter().collect();
    let (mut enc, head) = Encryptor::new(
        &vault_refs,
        &recipients,
        &metadata,
        &EncryptOptions { pad: args.pad },
    )?;
    out.write_all(&head)?;
    let bar = progress(input.size, "Encrypting");
    let mut sealed = Vec::with_capacity(BUF_SIZE + BUF_SIZE / 64);
    for_each_piece(&mut input.reader, |piece| {
        sealed.clear();
        enc.push(piece, &mut sealed)
            .context("the input changed while it was being read")?;
        out.write_all(&sealed)?;
        bar.inc(piece.len() as u64);
        Ok(())
    })?;
    sealed.clear();
    enc.finish(&mut sealed)
        .context("the input changed while it was being read")?;
    out.write_all(&sealed)?;
    bar.finish_and_clear();
    out.commit(dest.as_deref(), args.force)
}

fn encrypt_destination(
    args: &EncryptArgs,
    input: Option<&Path>,
) -> Result<(Option<PathBuf>, Output)> {
    match (&args.output, input) {
        (Some(o), _) if o == Path::new("-") => Ok((None, Output::stdout(true)?)),
        (Some(o), _) => Ok((Some(o.clone()), Output::staged(&parent_dir(o), false)?)),
        (None, Some(i)) => {
            let mut dest = i.as_os_str().to_owned();
            dest.push(".cloak");
            let dest = PathBuf::from(dest);
            if dest.exists() && !args.force {
                bail!(
                    "{} already exists; not overwriting it (use --output or --force)",
                    dest.display()
                );
            }
            Ok((
                Some(dest.clone()),
                Output::staged(&parent_dir(&dest), false)?,
            ))
        }
        (None, None) => Ok((None, Output::stdout(true)?)),
    }
}

/// Runs `cloak decrypt`.
pub fn decrypt(args: &DecryptArgs) -> Result<()> {
    let keys = key::unlock(&args.key, &args.pass)?;
    let mut input = open_input(args.input.as_deref())?;
    let to_stdout = args.output.as_deref().is_some_and(|o| o == Path::new("-"))
        || (args.output.is_none() && input.path.is_none());
    let out_dir = match (&args.output, &input.path) {
        (Some(o), _) if !to_stdout => parent_dir(o),
        (None, Some(i)) => parent_dir(i),
        _ => PathBuf::from("."),
    };
    let mut out = if to_stdout {
        Output::stdout(false)?
    } else {
        Output::staged(&out_dir, false)?
    };
    let mut dec = Decryptor::new(Keyring::new(keys));
    let bar = progress(input.size, "Decrypting");
    let mut plain = Vec::with_capacity(BUF_SIZE);
    let source = input
        .path
        .as_ref()
        .map_or("standard input".to_string(), |p| p.display().to_string());
    for_each_piece(&mut input.reader, |piece| {
        plain.clear();
        dec.push(piece, &mut plain)
            .with_context(|| source.clone())?;
        out.write_all(&plain)?;
        bar.inc(piece.len() as u64);
        Ok(())
    })?;
    plain.clear();
    let meta = dec.finish(&mut plain).with_context(|| source.clone())?;
    out.write_all(&plain)?;
    bar.finish_and_clear();
    if let (Some(f), Some(Ok(ms))) = (out.staged_file(), meta.modified_ms.map(u64::try_from)) {
        // Best effort: a file system without mtimes still gets the file.
        let _ = f.set_modified(UNIX_EPOCH + Duration::from_millis(ms));
    }
    if to_stdout {
        return out.commit(None, false);
    }
    match &args.output {
        Some(o) => out.commit(Some(o), args.force),
        None => {
            let name = original_name(&meta, input.path.as_deref());
            // Folders hidden from the site come back under the output's folder.
            let mut dir = out_dir.clone();
            for folder in meta.folder.as_deref().map(safe_folders).unwrap_or_default() {
                dir.push(folder);
            }
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create the folder {}", dir.display()))?;
            let written = out.commit_unique(&dir, &name)?;
            eprintln!("cloak: decrypted to {}", written.display());
            Ok(())
        }
    }
}

/// The sanitised original name, or the input's name without `.cloak`.
fn original_name(meta: &Metadata, input: Option<&Path>) -> String {
    if let Some(name) = &meta.name {
        return safe_file_name(name);
    }
    let fallback = input
        .and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    safe_file_name(fallback.strip_suffix(".cloak").unwrap_or(&fallback))
}
