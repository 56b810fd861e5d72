//! `cloak inspect`: what the header says, without any key.

use anyhow::{Context, Result, bail};
use cloak::format::Stanza;
use cloak::format::read::parse_header;
use cloak::hazmat::{CHUNK_SIZE, SEALED_CHUNK_SIZE, TAG_SIZE};
use cloak::stream::PREFIX_SIZE;

use crate::cli::InspectArgs;
use crate::io::{BUF_SIZE, open_input, read_full};

/// Runs `cloak inspect`.
pub fn run(args: &InspectArgs) -> Result<()> {
    let mut input = open_input(args.input.as_deref())?;
    let mut head = vec![0u8; format_max()];
    let n = read_full(&mut input.reader, &mut head).context("cannot read the input")?;
    head.truncate(n);
    if n == 0 {
        bail!("not a Cloak file: the input is empty");
    }
    let Some((header, header_len)) = parse_header(&head)? else {
        bail!("the file is truncated inside its header");
    };
    // Count the rest without keeping it.
    let mut total = n as u64;
    let mut buf = vec![0u8; BUF_SIZE];
    loop {
        let got = read_full(&mut input.reader, &mut buf).context("cannot read the input")?;
        if got == 0 {
            break;
        }
        total += got as u64;
    }
    let payload = total.saturating_sub((header_len + PREFIX_SIZE) as u64);
    let chunks = payload.div_ceil(SEALED_CHUNK_SIZE as u64).max(1);
    let plaintext = payload.saturating_sub(chunks * TAG_SIZE as u64);
    let well_formed =
        payload >= TAG_SIZE as u64 && !payload.is_multiple_of(SEALED_CHUNK_SIZE as u64);
    let mut vault = Vec::new();
    let (mut x25519, mut other) = (0, Vec::new());
    for s in &header.stanzas {
        match s {
            Stanza::Vault { key_id, .. } => vault.push(key_id.to_string()),
            Stanza::X25519 { .. } => x25519 += 1,
            Stanza::Unknown { kind, .. } => other.push(*kind),
        }
    }
    if args.json {
        let v = serde_json::json!({
            "version": cloak::format::VERSION,
            "vault_key_ids": vault,
            "x25519_recipients": x25519,
            "unknown_stanza_types": other,
            "header_bytes": header_len,
            "file_bytes": total,
            "encrypted_plaintext_bytes": plaintext,
            "chunks": chunks,
            "length_valid": well_formed,
        });
        println!("{v:#}");
        return verdict(well_formed);
    }
    println!("Cloak file, format version {}", cloak::format::VERSION);
    for id in &vault {
        println!("  encrypted for vault key {id}");
    }
    if x25519 > 0 {
        println!("  encrypted for {x25519} public recipient(s)");
    }
    for kind in &other {
        println!("  stanza of unknown type 0x{kind:02x}");
    }
    println!("  header: {header_len} bytes; file: {total} bytes");
    println!(
        "  payload: {chunks} chunk(s) of up to {CHUNK_SIZE} bytes, {plaintext} bytes of metadata and content{}",
        if well_formed {
            ""
        } else {
            " (length invalid: truncated)"
        }
    );
    verdict(well_formed)
}

/// A file whose payload length no complete file can have fails the command,
/// after the report: scripts must not take it for a valid file.
fn verdict(well_formed: bool) -> Result<()> {
    if well_formed {
        Ok(())
    } else {
        bail!("the file is truncated: its payload length is not one a complete Cloak file has")
    }
}

fn format_max() -> usize {
    cloak::format::MAX_HEADER_LEN + PREFIX_SIZE
}
