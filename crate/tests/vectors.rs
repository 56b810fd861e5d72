//! Runs every committed test vector in `tests/vectors/` (one test each).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]
//! The vectors are read, never regenerated; too few found is a failure.

use std::path::{Path, PathBuf};

use cloak::hazmat::{self, ChunkError};
use cloak::stream::{PREFIX_SIZE, StreamDecryptor, StreamEncryptor, StreamError};
use cloak::{Decryptor, Keyring, Metadata, VaultKey};
use libtest_mimic::{Arguments, Failed, Trial};
use serde_json::Value;

/// The generator writes 91; fewer means vectors went missing.
const MIN_VECTORS: usize = 91;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors")
}

fn hex32<const N: usize>(v: &Value) -> [u8; N] {
    let mut out = [0u8; N];
    hex::decode_to_slice(v.as_str().unwrap_or_default(), &mut out)
        .unwrap_or_else(|_| panic!("bad hex {v}"));
    out
}

fn file(v: &Value, key: &str) -> Vec<u8> {
    std::fs::read(dir().join(v[key].as_str().unwrap_or_default())).unwrap_or_default()
}

fn check(cond: bool, msg: impl Into<String>) -> Result<(), Failed> {
    if cond { Ok(()) } else { Err(msg.into().into()) }
}

fn cobblestone_decrypt(v: &Value, ct: &[u8], split: usize) -> Result<Vec<u8>, &'static str> {
    let key = hex32::<32>(&v["input_key"]);
    let ctx = hex::decode(v["context"].as_str().unwrap_or_default()).unwrap_or_default();
    let Some(prefix) = ct.get(..PREFIX_SIZE) else {
        return Err("truncated");
    };
    let prefix: [u8; PREFIX_SIZE] = prefix.try_into().map_err(|_| "truncated")?;
    let code = |e: StreamError| match e {
        StreamError::CommitmentMismatch => "commitment",
        StreamError::Truncated => "truncated",
        StreamError::Unauthentic(_) | StreamError::FinalUnauthentic(_) => "tampered",
        StreamError::TrailingData | StreamError::TooLarge => "other",
    };
    let mut dec = StreamDecryptor::new(&key, &prefix, &ctx).map_err(code)?;
    let mut out = Vec::new();
    for piece in ct[PREFIX_SIZE..].chunks(split) {
        dec.push(piece, &mut out).map_err(code)?;
    }
    dec.finish(&mut out).map_err(code)?;
    Ok(out)
}

fn run_cobblestone(v: &Value) -> Result<(), Failed> {
    let ct = file(v, "ciphertext");
    for split in [1 << 20, 1000, 16400, 7] {
        let got = cobblestone_decrypt(v, &ct, split);
        match v["expect"].as_str() {
            Some("ok") => check(
                got.as_deref() == Ok(&file(v, "plaintext")[..]),
                format!("decrypt mismatch (split {split}): {:?}", got.err()),
            )?,
            _ => check(
                got.as_ref().err().copied() == v["error"].as_str(),
                format!(
                    "want {}, got {:?} (split {split})",
                    v["error"],
                    got.map(|p| p.len())
                ),
            )?,
        }
    }
    if v["expect"] == "ok" {
        // Encrypting with the same salt must reproduce the ciphertext exactly.
        let ctx = hex::decode(v["context"].as_str().unwrap_or_default()).unwrap_or_default();
        let (mut enc, prefix) =
            StreamEncryptor::new(&hex32(&v["input_key"]), &hex32(&v["salt"]), &ctx);
        let mut out = prefix.to_vec();
        enc.push(&file(v, "plaintext"), &mut out)
            .map_err(|e| e.to_string())?;
        enc.finish(&mut out).map_err(|e| e.to_string())?;
        check(out == ct, "re-encryption differs from the vector")?;
    }
    Ok(())
}

fn run_nonce(v: &Value) -> Result<(), Failed> {
    let ctx = hex::decode(v["context"].as_str().unwrap_or_default()).unwrap_or_default();
    let (keys, commitment) = hazmat::derive(&hex32(&v["input_key"]), &hex32(&v["salt"]), &ctx);
    let index = v["index"].as_u64().ok_or("index")?;
    if v["expect"] == "error" {
        check(
            keys.nonce(index) == Err(ChunkError::CounterOverflow(index)),
            "index 2^38 accepted",
        )?;
        return check(keys.seal(index, b"x").is_err(), "sealed at index 2^38");
    }
    check(keys.key_bytes() == &hex32::<32>(&v["key"]), "key")?;
    check(
        keys.base_nonce() == &hex32::<12>(&v["base_nonce"]),
        "base nonce",
    )?;
    check(commitment == hex32::<32>(&v["commitment"]), "commitment")?;
    check(keys.nonce(index) == Ok(hex32(&v["nonce"])), "nonce")?;
    let pt = file(v, "plaintext");
    let ct = file(v, "ciphertext");
    check(
        keys.seal(index, &pt).as_deref() == Ok(&ct[..]),
        "sealed chunk",
    )?;
    check(
        keys.open(index, &ct).as_deref() == Ok(&pt[..]),
        "opened chunk",
    )
}

fn cloak_decrypt(v: &Value, ct: &[u8], split: usize) -> Result<(Vec<u8>, Metadata), &'static str> {
    let key = VaultKey::from_bytes(hex32(&v["vault_key"]));
    let mut dec = Decryptor::new(Keyring::new(vec![key]));
    let mut out = Vec::new();
    for piece in ct.chunks(split) {
        dec.push(piece, &mut out).map_err(|e| e.code())?;
    }
    let meta = dec.finish(&mut out).map_err(|e| e.code())?;
    Ok((out, meta))
}

fn run_cloak(v: &Value) -> Result<(), Failed> {
    let ct = file(v, "ciphertext");
    let key = VaultKey::from_bytes(hex32(&v["vault_key"]));
    check(
        key.key_id().to_string() == v["key_id"].as_str().unwrap_or_default(),
        "key id derivation",
    )?;
    check(
        key.recipient().as_bytes() == &hex32::<32>(&v["recipient_public_key"]),
        "recipient derivation",
    )?;
    for split in [1 << 22, 16400, 1000, 13] {
        let got = cloak_decrypt(v, &ct, split);
        if v["expect"] == "ok" {
            let (pt, meta) = got.map_err(|e| format!("failed with {e} (split {split})"))?;
            check(
                pt == file(v, "plaintext"),
                format!("plaintext differs (split {split})"),
            )?;
            let want: Metadata =
                serde_json::from_value(v["metadata"].clone()).map_err(|e| e.to_string())?;
            check(meta == want, format!("metadata {meta:?} != {want:?}"))?;
            if v["padding_sized_by_rule"] == true {
                let unpadded = Metadata {
                    padding: 0,
                    ..want.clone()
                };
                let sized = cloak::protocol::padded_metadata(&unpadded, true)
                    .map_err(|e| format!("padding: {e}"))?;
                check(
                    sized.padding == want.padding,
                    format!("sized padding {} != {}", sized.padding, want.padding),
                )?;
            }
        } else {
            let code = got.err();
            check(
                code == v["error"].as_str(),
                format!("want {}, got {code:?} (split {split})", v["error"]),
            )?;
        }
    }
    Ok(())
}

fn main() {
    let args = Arguments::from_args();
    let text = std::fs::read_to_string(dir().join("vectors.json")).unwrap_or_default();
    let index: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    let vectors = index["vectors"].as_array().cloned().unwrap_or_default();
    let mut trials = vec![Trial::test("vector-count", {
        let (n, declared) = (vectors.len(), index["count"].as_u64());
        move || {
            check(
                n >= MIN_VECTORS && declared == Some(n as u64),
                format!("found {n} vectors, expected at least {MIN_VECTORS}"),
            )
        }
    })];
    for v in vectors {
        let name = v["name"].as_str().unwrap_or("unnamed").to_string();
        trials.push(Trial::test(name, move || match v["kind"].as_str() {
            Some("cobblestone") => run_cobblestone(&v),
            Some("nonce") => run_nonce(&v),
            Some("cloak") => run_cloak(&v),
            other => Err(format!("unknown kind {other:?}").into()),
        }));
    }
    libtest_mimic::run(&args, trials).exit();
}
