//! Library throughput: encrypts and decrypts SIZE_MIB (default 1024) MiB through
//! the streaming API in 1 MiB pushes, in memory, and prints MB/s.
//! Run: `cargo run --release -p cloak --example throughput [SIZE_MIB]`
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::Instant;

use cloak::{Decryptor, EncryptOptions, Encryptor, Keyring, Metadata, VaultKey};

fn main() {
    let mib: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1024);
    let total = (mib as u64) << 20;
    let block: Vec<u8> = (0..1 << 20).map(|i| (i % 251) as u8).collect();
    let key = VaultKey::generate().unwrap();
    let meta = Metadata {
        name: Some("bench.bin".into()),
        size: Some(total),
        ..Metadata::default()
    };

    // Encrypt, keeping a few sealed blocks to decrypt in a loop (bounded memory).
    let start = Instant::now();
    let (mut enc, head) = Encryptor::new(&[&key], &[], &meta, &EncryptOptions::default()).unwrap();
    let mut out = Vec::with_capacity(2 << 20);
    let mut sealed_len = head.len() as u64;
    for _ in 0..mib {
        out.clear();
        enc.push(&block, &mut out).unwrap();
        sealed_len += out.len() as u64;
    }
    out.clear();
    enc.finish(&mut out).unwrap();
    sealed_len += out.len() as u64;
    let enc_secs = start.elapsed().as_secs_f64();

    // Decrypt a real file of the same size, produced piecewise.
    let small = 64usize.min(mib);
    let meta_small = Metadata {
        size: Some((small as u64) << 20),
        ..meta.clone()
    };
    let (mut enc, mut file) =
        Encryptor::new(&[&key], &[], &meta_small, &EncryptOptions::default()).unwrap();
    for _ in 0..small {
        enc.push(&block, &mut file).unwrap();
    }
    enc.finish(&mut file).unwrap();
    let rounds = mib / small;
    let start = Instant::now();
    let mut plain = Vec::with_capacity(2 << 20);
    for _ in 0..rounds {
        let mut dec = Decryptor::new(Keyring::new(vec![key.clone()]));
        for piece in file.chunks(1 << 20) {
            plain.clear();
            dec.push(piece, &mut plain).unwrap();
        }
        plain.clear();
        dec.finish(&mut plain).unwrap();
    }
    let dec_secs = start.elapsed().as_secs_f64();
    let mb = total as f64 / 1e6;
    println!(
        "library encrypt: {:.0} MB/s ({mib} MiB, {sealed_len} bytes out)",
        mb / enc_secs
    );
    println!(
        "library decrypt: {:.0} MB/s ({mib} MiB in {rounds} files of {small} MiB)",
        mb / dec_secs
    );
}
