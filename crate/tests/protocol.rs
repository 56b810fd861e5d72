//! Whole-file round trips and failures through the public API.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use cloak::format::header_len;
use cloak::hazmat::CHUNK_SIZE;
use cloak::{
    DecryptError, Decryptor, EncryptError, EncryptOptions, Encryptor, Keyring, Metadata, VaultKey,
    ciphertext_len,
};
use proptest::prelude::*;

fn encrypt(
    keys: &[&VaultKey],
    recipients: &[cloak::Recipient],
    meta: &Metadata,
    pad: bool,
    body: &[u8],
    split: usize,
) -> Result<Vec<u8>, EncryptError> {
    let (mut enc, mut out) = Encryptor::new(keys, recipients, meta, &EncryptOptions { pad })?;
    for piece in body.chunks(split.max(1)) {
        enc.push(piece, &mut out)?;
    }
    let expected = enc.expected_len();
    enc.finish(&mut out)?;
    if let Some(len) = expected {
        assert_eq!(out.len() as u64, len, "announced size");
    }
    Ok(out)
}

fn decrypt(
    keys: Vec<VaultKey>,
    ct: &[u8],
    split: usize,
) -> Result<(Vec<u8>, Metadata), DecryptError> {
    let mut dec = Decryptor::new(Keyring::new(keys));
    let mut out = Vec::new();
    for piece in ct.chunks(split.max(1)) {
        dec.push(piece, &mut out)?;
    }
    let meta = dec.finish(&mut out)?;
    Ok((out, meta))
}

fn meta(name: &str, size: Option<u64>) -> Metadata {
    Metadata {
        name: Some(name.into()),
        mime_type: Some("text/plain".into()),
        modified_ms: Some(1_700_000_000_000),
        size,
        folder: None,
        padding: 0,
    }
}

#[test]
fn round_trip_matrix_around_chunk_boundaries() {
    let key = VaultKey::generate().unwrap();
    let friend = VaultKey::generate().unwrap();
    for size in [
        0usize,
        1,
        CHUNK_SIZE - 1,
        CHUNK_SIZE,
        CHUNK_SIZE + 1,
        2 * CHUNK_SIZE + 500,
        5 * CHUNK_SIZE,
    ] {
        let body: Vec<u8> = (0..size).map(|i| (i % 253) as u8).collect();
        for known in [true, false] {
            let m = meta("f.txt", known.then_some(size as u64));
            let ct = encrypt(&[&key], &[friend.recipient()], &m, false, &body, 4097).unwrap();
            if known {
                let predicted =
                    ciphertext_len(size as u64, m.region_len().unwrap(), header_len(1, 1), 0);
                assert_eq!(ct.len() as u64, predicted);
            }
            for (who, split) in [(&key, 1 << 20), (&friend, 333)] {
                let (pt, back) = decrypt(vec![who.clone()], &ct, split).unwrap();
                assert_eq!(pt, body, "size {size}");
                assert_eq!(back, m);
            }
        }
    }
}

#[test]
fn padding_hides_size_and_round_trips() {
    let key = VaultKey::generate().unwrap();
    let body = vec![7u8; 100_000];
    let m = meta("pad.bin", Some(body.len() as u64));
    let ct = encrypt(&[&key], &[], &m, true, &body, 50_000).unwrap();
    let unpadded = encrypt(&[&key], &[], &m, false, &body, 50_000).unwrap();
    assert!(ct.len() > unpadded.len());
    let (pt, back) = decrypt(vec![key], &ct, 9999).unwrap();
    assert_eq!(pt, body);
    assert!(back.padding > 0);
    assert!(matches!(
        encrypt(
            &[],
            &[VaultKey::generate().unwrap().recipient()],
            &meta("x", None),
            true,
            b"",
            1
        ),
        Err(EncryptError::PaddingNeedsSize)
    ));
}

#[test]
fn declared_size_is_enforced() {
    let key = VaultKey::generate().unwrap();
    let e = encrypt(&[&key], &[], &meta("x", Some(10)), false, &[1; 11], 3);
    assert!(matches!(
        e,
        Err(EncryptError::SizeMismatch {
            declared: 10,
            actual: 11
        })
    ));
    let e = encrypt(&[&key], &[], &meta("x", Some(10)), false, &[1; 9], 3);
    assert!(matches!(
        e,
        Err(EncryptError::SizeMismatch {
            declared: 10,
            actual: 9
        })
    ));
    assert!(matches!(
        encrypt(&[], &[], &meta("x", None), false, b"", 1),
        Err(EncryptError::NoRecipients)
    ));
}

#[test]
fn wrong_key_names_the_key_id() {
    let key = VaultKey::generate().unwrap();
    let ct = encrypt(&[&key], &[], &meta("x", Some(3)), false, b"abc", 3).unwrap();
    let err = decrypt(vec![VaultKey::generate().unwrap()], &ct, 100).unwrap_err();
    assert_eq!(err.code(), "wrong_key");
    let text = err.to_string();
    assert!(text.contains(&key.key_id().short()), "{text}");
    assert!(text.contains("import that key"), "{text}");
}

#[test]
fn nothing_after_a_failure() {
    let key = VaultKey::generate().unwrap();
    let mut ct = encrypt(
        &[&key],
        &[],
        &meta("x", Some(40_000)),
        false,
        &[1; 40_000],
        40_000,
    )
    .unwrap();
    let n = ct.len();
    ct[n - 100] ^= 1;
    let mut dec = Decryptor::new(Keyring::new(vec![key]));
    let mut out = Vec::new();
    dec.push(&ct, &mut out).unwrap();
    let released = out.len();
    assert!(
        released < 40_000,
        "the final chunk is held back until finish"
    );
    assert_eq!(dec.finish(&mut out).unwrap_err().code(), "payload_tampered");
    assert_eq!(out.len(), released, "nothing unauthenticated released");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]
    #[test]
    fn any_split_any_size_round_trips(size in 0usize..70_000, split in 1usize..40_000, pad in any::<bool>()) {
        let key = VaultKey::from_bytes([3; 32]);
        let body: Vec<u8> = (0..size).map(|i| (i * 13 % 256) as u8).collect();
        let m = meta("p", Some(size as u64));
        let ct = encrypt(&[&key], &[], &m, pad, &body, split).unwrap();
        let (pt, _) = decrypt(vec![key], &ct, split / 2 + 1).unwrap();
        prop_assert_eq!(pt, body);
    }

    #[test]
    fn any_single_bit_flip_is_rejected(pos in 0usize..2000, bit in 0u8..8) {
        let key = VaultKey::from_bytes([4; 32]);
        let ct = encrypt(&[&key], &[], &meta("p", Some(1500)), false, &[9; 1500], 700).unwrap();
        let mut bad = ct.clone();
        let pos = pos % bad.len();
        bad[pos] ^= 1 << bit;
        prop_assert!(decrypt(vec![key], &bad, 512).is_err());
    }
}

#[test]
fn external_engine_files_are_ordinary_files() {
    use cloak::hazmat::CHUNK_SIZE;
    use cloak::protocol::{ExternalSeal, open_external};
    let key = VaultKey::generate().unwrap();
    let body = vec![5u8; 3 * CHUNK_SIZE + 77];
    let m = meta("ext.bin", Some(body.len() as u64));
    let plan = ExternalSeal::new(&[&key], &[], &m, &EncryptOptions { pad: true }).unwrap();
    let mut plain = plan.metadata_region.clone();
    plain.extend_from_slice(&body);
    plain.resize(plain.len() + plan.padding as usize, 0);
    let mut file = plan.head.clone();
    let full = plain.len() / CHUNK_SIZE;
    for i in 0..=full {
        let end = ((i + 1) * CHUNK_SIZE).min(plain.len());
        file.extend(
            plan.keys
                .seal(i as u64, &plain[i * CHUNK_SIZE..end])
                .unwrap(),
        );
    }
    assert_eq!(Some(file.len() as u64), plan.total_len);
    let (pt, back) = decrypt(vec![key.clone()], &file, 10_000).unwrap();
    assert_eq!(pt, body);
    assert_eq!(back.name.as_deref(), Some("ext.bin"));
    let keyring = Keyring::new(vec![key]);
    assert!(open_external(&file[..20], &keyring).unwrap().is_none());
    let (head_len, keys) = open_external(&file, &keyring).unwrap().unwrap();
    assert_eq!(head_len, plan.head.len());
    assert_eq!(keys.key_bytes(), plan.keys.key_bytes());
    let mut bad = file.clone();
    bad[head_len - 1] ^= 1;
    assert_eq!(
        open_external(&bad, &keyring).err(),
        Some(DecryptError::HeaderTampered)
    );
}

/// A metadata record of exactly `record_len` bytes of JSON for `size`.
fn record_of(record_len: usize, size: u64) -> Metadata {
    let fixed = format!(r#"{{"name":"","size":{size}}}"#).len();
    Metadata {
        name: Some("n".repeat(record_len - fixed)),
        size: Some(size),
        ..Metadata::default()
    }
}

/// The padded plaintext length `region + size + padding` is a PADMÉ length, and
/// the region is the one the padded record needs.
fn assert_settled(meta: &Metadata) {
    let padded = cloak::protocol::padded_metadata(meta, true).unwrap();
    let region = padded.region_len().unwrap() as u64;
    let total = region + padded.size.unwrap() + padded.padding;
    assert_eq!(cloak::metadata::padme(total), total, "{padded:?}");
    assert!(padded.padding <= total / 4, "{padded:?}");
}

#[test]
fn padding_settles_where_the_bucket_used_to_oscillate() {
    // 243 bytes with no padding fit the 256 bucket; any padding field pushes
    // the record into 1024, whose PADMÉ padding for 8192 is 0: no fixed point
    // under the old "iterate until stable" rule.
    let meta = record_of(243, 8192);
    assert_eq!(meta.region_len().unwrap(), 256);
    assert_settled(&meta);
    let padded = cloak::protocol::padded_metadata(&meta, true).unwrap();
    assert_eq!(padded.region_len().unwrap(), 1024);
    assert_ne!(padded.padding, 0);
    // What is written is what is announced, and decrypts.
    let key = VaultKey::generate().unwrap();
    let body: Vec<u8> = (0..8192u32).map(|i| (i % 253) as u8).collect();
    let file = encrypt(&[&key], &[], &meta, true, &body, 4096).unwrap();
    let opts = EncryptOptions { pad: true };
    let (enc, _) = Encryptor::new(&[&key], &[], &meta, &opts).unwrap();
    assert_eq!(enc.expected_len(), Some(file.len() as u64));
    let (out, back) = decrypt(vec![key], &file, 1000).unwrap();
    assert_eq!(out, body);
    assert_eq!(back.padding, padded.padding);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]
    #[test]
    fn padding_always_settles(record_len in 40usize..1100, size in 0u64..(1 << 40)) {
        assert_settled(&record_of(record_len, size));
    }
}
