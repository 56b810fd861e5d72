//! Generates Cloak's test vectors into a directory (default `tests/vectors`).
//!
//! Deliberately independent of the `cloak` crate: chunking, key derivation,
//! header layout and stanza wrapping are written here again from
//! `docs/FORMAT.md`, calling `aes-gcm`, `hmac`, `hkdf` and `hpke` directly.
//! Every random value comes from a ChaCha20 generator seeded with the vector's
//! name, so the output is byte-for-byte reproducible.
//!
//! Run: `cargo run -p cloak-vector-generator -- tests/vectors`
#![forbid(unsafe_code)]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::{Path, PathBuf};

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use hmac::{Hmac, Mac};
use hpke::{Kem as _, Serializable};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};
use serde_json::{Value, json};
use sha2::{Digest, Sha256, Sha512};

const CHUNK: usize = 16384;
const MAGIC: &[u8; 8] = b"\x89CLOAK\r\n";

fn rng_for(name: &str) -> ChaCha20Rng {
    ChaCha20Rng::from_seed(Sha256::digest(name.as_bytes()).into())
}

fn random<const N: usize>(rng: &mut ChaCha20Rng) -> [u8; N] {
    let mut b = [0u8; N];
    rng.fill_bytes(&mut b);
    b
}

fn content(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| ((i * 7 + usize::from(seed)) % 251) as u8)
        .collect()
}

/// HKDF-Expand-SHA512 with the input key as PRK (RFC 5869 §2.3, by hand on HMAC).
fn expand(prk: &[u8], info: &[u8], len: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut t = Vec::new();
    let mut i = 1u8;
    while out.len() < len {
        let mut m = <Hmac<Sha512> as KeyInit>::new_from_slice(prk).unwrap();
        m.update(&t);
        m.update(info);
        m.update(&[i]);
        t = m.finalize().into_bytes().to_vec();
        out.extend_from_slice(&t);
        i += 1;
    }
    out.truncate(len);
    out
}

struct Derived {
    key: [u8; 32],
    nonce: [u8; 12],
    commitment: [u8; 32],
}

fn derive(ikm: &[u8; 32], salt: &[u8; 24], context: &[u8]) -> Derived {
    let mut info = b"c2sp.org/chunked-encryption@v1+AEAD_AES_256_GCM\x00".to_vec();
    info.extend_from_slice(salt);
    info.extend_from_slice(context);
    let okm = expand(ikm, &info, 76);
    Derived {
        key: okm[..32].try_into().unwrap(),
        nonce: okm[32..44].try_into().unwrap(),
        commitment: okm[44..].try_into().unwrap(),
    }
}

fn chunk_nonce(base: &[u8; 12], index: u64) -> [u8; 12] {
    let mut n = *base;
    let mut idx = [0u8; 12];
    idx[4..].copy_from_slice(&index.to_be_bytes());
    for (a, b) in n.iter_mut().zip(idx) {
        *a ^= b;
    }
    n
}

fn seal_chunk(d: &Derived, index: u64, pt: &[u8]) -> Vec<u8> {
    Aes256Gcm::new(&d.key.into())
        .encrypt(&Nonce::from(chunk_nonce(&d.nonce, index)), pt)
        .unwrap()
}

/// salt ‖ commitment ‖ chunks; the final chunk is always shorter than 16 KiB.
fn cobblestone(ikm: &[u8; 32], salt: &[u8; 24], context: &[u8], pt: &[u8]) -> Vec<u8> {
    let d = derive(ikm, salt, context);
    let mut out = salt.to_vec();
    out.extend_from_slice(&d.commitment);
    let full = pt.len() / CHUNK;
    for i in 0..full {
        out.extend(seal_chunk(&d, i as u64, &pt[i * CHUNK..(i + 1) * CHUNK]));
    }
    out.extend(seal_chunk(&d, full as u64, &pt[full * CHUNK..]));
    out
}

fn hkdf256(ikm: &[u8], salt: Option<&[u8]>, info: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    hkdf::Hkdf::<Sha256>::new(salt, ikm)
        .expand(info, &mut out)
        .unwrap();
    out
}

fn key_id(vault: &[u8; 32]) -> [u8; 16] {
    hkdf256(vault, None, b"cloak/v1 key-id")[..16]
        .try_into()
        .unwrap()
}

fn vault_stanza(vault: &[u8; 32], file_key: &[u8; 32], rng: &mut ChaCha20Rng) -> Vec<u8> {
    let id = key_id(vault);
    let salt: [u8; 16] = random(rng);
    let wrap = hkdf256(vault, Some(&salt), b"cloak/v1 vault-wrap");
    let wrapped = Aes256Gcm::new(&wrap.into())
        .encrypt(
            &Nonce::from([0u8; 12]),
            Payload {
                msg: file_key,
                aad: &id,
            },
        )
        .unwrap();
    let mut s = vec![0x01, 0, 80];
    s.extend_from_slice(&id);
    s.extend_from_slice(&salt);
    s.extend_from_slice(&wrapped);
    s
}

type Kem = hpke::kem::X25519HkdfSha256;

fn recipient_pk(vault: &[u8; 32]) -> <Kem as hpke::Kem>::PublicKey {
    use hpke::Deserializable;
    let sk_bytes = hkdf256(vault, None, b"cloak/v1 x25519-identity");
    let sk = <Kem as hpke::Kem>::PrivateKey::from_bytes(&sk_bytes).unwrap();
    Kem::sk_to_pk(&sk)
}

fn x25519_stanza(vault: &[u8; 32], file_key: &[u8; 32], rng: &mut ChaCha20Rng) -> Vec<u8> {
    let pk = recipient_pk(vault);
    let (enc, ct) =
        hpke::single_shot_seal_with_rng::<hpke::aead::AesGcm256, hpke::kdf::HkdfSha256, Kem>(
            &hpke::OpModeS::Base,
            &pk,
            b"cloak/v1 x25519",
            file_key,
            &[],
            rng,
        )
        .unwrap();
    let mut s = vec![0x02, 0, 80];
    s.extend_from_slice(&enc.to_bytes());
    s.extend_from_slice(&ct);
    s
}

fn meta_without_padding(meta: &Value) -> Value {
    let mut m = meta.clone();
    m.as_object_mut().unwrap().remove("padding");
    m
}

fn metadata_region(meta: &Value) -> Vec<u8> {
    metadata_region_raw(serde_json::to_vec(meta).unwrap(), 0)
}

/// PADMÉ as FORMAT.md §3.2 writes it.
fn padme(len: usize) -> usize {
    if len < 2 {
        return len;
    }
    let e = len.ilog2();
    let s = e.ilog2() + 1;
    let mask = (1usize << (e - s)) - 1;
    (len + mask) & !mask
}

/// `meta` (with a `size`) and the `padding` FORMAT.md §3.2's sizing rule gives
/// it: start at 0, then repeatedly take the padding that makes
/// `region + size + padding` a PADMÉ length, until it no longer changes.
fn sized_by_rule(meta: &Value) -> (Value, usize) {
    let size = meta["size"].as_u64().unwrap() as usize;
    let mut padded = meta.clone();
    let mut padding = 0;
    loop {
        if padding > 0 {
            padded["padding"] = json!(padding);
        }
        let region = metadata_region(&padded).len();
        let next = padme(region + size + padding) - region - size;
        if next == padding {
            return (padded, padding);
        }
        padding = next;
    }
}

fn metadata_region_raw(record: Vec<u8>, poison: u8) -> Vec<u8> {
    let bucket = [256usize, 1024, 4096]
        .into_iter()
        .find(|b| 2 + record.len() <= *b)
        .unwrap();
    let mut r = (record.len() as u16).to_be_bytes().to_vec();
    r.extend_from_slice(&record);
    r.resize(bucket, 0);
    if poison != 0 {
        r[bucket - 1] = poison;
    }
    r
}

enum To {
    Vault,
    X25519,
    Both,
    VaultAndUnknown,
}

struct CloakFile {
    bytes: Vec<u8>,
    header_len: usize,
    stanza_offsets: Vec<usize>,
}

fn cloak_file(
    name: &str,
    vault: &[u8; 32],
    to: To,
    region: &[u8],
    content: &[u8],
    padding: usize,
) -> CloakFile {
    let mut rng = rng_for(name);
    let file_key: [u8; 32] = random(&mut rng);
    let stanzas = match to {
        To::Vault => vec![vault_stanza(vault, &file_key, &mut rng)],
        To::X25519 => vec![x25519_stanza(vault, &file_key, &mut rng)],
        To::Both => vec![
            vault_stanza(vault, &file_key, &mut rng),
            x25519_stanza(vault, &file_key, &mut rng),
        ],
        To::VaultAndUnknown => {
            let mut unknown = vec![0x03, 0, 5];
            unknown.extend_from_slice(b"hello");
            vec![unknown, vault_stanza(vault, &file_key, &mut rng)]
        }
    };
    let mut header = MAGIC.to_vec();
    header.push(1);
    header.push(stanzas.len() as u8);
    let mut stanza_offsets = Vec::new();
    for s in &stanzas {
        stanza_offsets.push(header.len());
        header.extend_from_slice(s);
    }
    let salt: [u8; 24] = random(&mut rng);
    let mut pt = region.to_vec();
    pt.extend_from_slice(content);
    pt.resize(pt.len() + padding, 0);
    let header_len = header.len();
    let mut bytes = header.clone();
    bytes.extend(cobblestone(&file_key, &salt, &header, &pt));
    CloakFile {
        bytes,
        header_len,
        stanza_offsets,
    }
}

struct Out {
    dir: PathBuf,
    entries: Vec<Value>,
}

impl Out {
    fn file(&self, name: &str, data: &[u8]) -> String {
        std::fs::write(self.dir.join(name), data).unwrap();
        name.to_string()
    }

    fn push(&mut self, mut entry: Value, ct: &[u8], pt: Option<&[u8]>) {
        let name = entry["name"].as_str().unwrap().to_string();
        entry["ciphertext"] = json!(self.file(&format!("{name}.ct.bin"), ct));
        entry["ciphertext_sha256"] = json!(hex::encode(Sha256::digest(ct)));
        if let Some(pt) = pt {
            entry["plaintext"] = json!(self.file(&format!("{name}.pt.bin"), pt));
        }
        self.entries.push(entry);
    }
}

fn flip(data: &[u8], at: usize) -> Vec<u8> {
    let mut v = data.to_vec();
    v[at] ^= 0x01;
    v
}

const SIZES: [usize; 7] = [0, 1, 16383, 16384, 16385, 2 * 16384 + 500, 5 * 16384 + 123];

fn cobblestone_vectors(out: &mut Out) {
    let base = |name: &str| {
        let mut rng = rng_for(name);
        let ikm: [u8; 32] = random(&mut rng);
        let salt: [u8; 24] = random(&mut rng);
        (ikm, salt)
    };
    for size in SIZES {
        let name = format!("cobblestone-size-{size}");
        let (ikm, salt) = base(&name);
        let ctx = format!("context for {size}").into_bytes();
        let pt = content(size, 1);
        let ct = cobblestone(&ikm, &salt, &ctx, &pt);
        let e = json!({"name": name, "kind": "cobblestone", "input_key": hex::encode(ikm), "salt": hex::encode(salt),
                       "context": hex::encode(&ctx), "expect": "ok"});
        out.push(e, &ct, Some(&pt));
    }
    let name = "cobblestone-empty-context";
    let (ikm, salt) = base(name);
    let pt = content(100, 2);
    let ct = cobblestone(&ikm, &salt, b"", &pt);
    out.push(json!({"name": name, "kind": "cobblestone", "input_key": hex::encode(ikm), "salt": hex::encode(salt),
                    "context": "", "expect": "ok"}), &ct, Some(&pt));

    // Failures, all on one 3-chunk message (2·16384+500 bytes).
    let (ikm, salt) = base("cobblestone-failures");
    let ctx = b"failures".to_vec();
    let pt = content(2 * CHUNK + 500, 3);
    let ct = cobblestone(&ikm, &salt, &ctx, &pt);
    let sealed = CHUNK + 16;
    let chunk = |i: usize| ct[56 + i * sealed..(56 + (i + 1) * sealed).min(ct.len())].to_vec();
    let join = |parts: &[Vec<u8>]| {
        let mut v = ct[..56].to_vec();
        for p in parts {
            v.extend_from_slice(p);
        }
        v
    };
    let mut other_key = ikm;
    other_key[0] ^= 0x80;
    let cases: Vec<(&str, Vec<u8>, &str, &[u8; 32])> = vec![
        ("bad-commitment", flip(&ct, 24 + 5), "commitment", &ikm),
        ("flipped-salt", flip(&ct, 3), "commitment", &ikm),
        ("wrong-key", ct.clone(), "commitment", &other_key),
        ("flipped-chunk-0", flip(&ct, 56 + 100), "tampered", &ikm),
        (
            "flipped-tag-1",
            flip(&ct, 56 + 2 * sealed - 1),
            "tampered",
            &ikm,
        ),
        (
            "flipped-final-chunk",
            flip(&ct, ct.len() - 20),
            "tampered",
            &ikm,
        ),
        (
            "truncated-final-chunk-dropped",
            ct[..56 + 2 * sealed].to_vec(),
            "truncated",
            &ikm,
        ),
        (
            "truncated-after-chunk-0",
            ct[..56 + sealed].to_vec(),
            "truncated",
            &ikm,
        ),
        ("truncated-no-chunks", ct[..56].to_vec(), "truncated", &ikm),
        (
            "truncated-inside-prefix",
            ct[..40].to_vec(),
            "truncated",
            &ikm,
        ),
        (
            "truncated-inside-final-tag",
            ct[..ct.len() - 5].to_vec(),
            "tampered",
            &ikm,
        ),
        (
            "truncated-one-byte-into-final",
            ct[..56 + 2 * sealed + 1].to_vec(),
            "truncated",
            &ikm,
        ),
        (
            "truncated-mid-chunk-1",
            ct[..56 + sealed + 1000].to_vec(),
            "tampered",
            &ikm,
        ),
        (
            "dropped-chunk-1",
            join(&[chunk(0), chunk(2)]),
            "tampered",
            &ikm,
        ),
        (
            "reordered-chunks",
            join(&[chunk(1), chunk(0), chunk(2)]),
            "tampered",
            &ikm,
        ),
        (
            "duplicated-chunk-0",
            join(&[chunk(0), chunk(0), chunk(1), chunk(2)]),
            "tampered",
            &ikm,
        ),
        (
            "trailing-byte",
            [ct.clone(), vec![0]].concat(),
            "tampered",
            &ikm,
        ),
        (
            "trailing-full-chunk",
            [ct.clone(), chunk(0)].concat(),
            "tampered",
            &ikm,
        ),
    ];
    for (suffix, bad, err, key) in cases {
        let name = format!("cobblestone-{suffix}");
        let e = json!({"name": name, "kind": "cobblestone", "input_key": hex::encode(key), "salt": hex::encode(salt),
                       "context": hex::encode(&ctx), "expect": "error", "error": err});
        out.push(e, &bad, None);
    }
}

fn nonce_vectors(out: &mut Out) {
    let mut rng = rng_for("nonce");
    let ikm: [u8; 32] = random(&mut rng);
    let salt: [u8; 24] = random(&mut rng);
    let d = derive(&ikm, &salt, b"nonce");
    for index in [0u64, 1, (1 << 32) + 5, (1 << 38) - 1] {
        let pt = content(33, 4);
        let sealed = seal_chunk(&d, index, &pt);
        let name = format!("nonce-index-{index}");
        let e = json!({"name": name, "kind": "nonce", "input_key": hex::encode(ikm), "salt": hex::encode(salt),
                       "context": hex::encode(b"nonce"), "index": index, "key": hex::encode(d.key),
                       "base_nonce": hex::encode(d.nonce), "nonce": hex::encode(chunk_nonce(&d.nonce, index)),
                       "commitment": hex::encode(d.commitment), "expect": "ok"});
        out.push(e, &sealed, Some(&pt));
    }
    let name = format!("nonce-index-{}", 1u64 << 38);
    let e = json!({"name": name, "kind": "nonce", "input_key": hex::encode(ikm), "salt": hex::encode(salt),
                   "context": hex::encode(b"nonce"), "index": 1u64 << 38, "expect": "error", "error": "counter_overflow"});
    out.push(e, &[], None);
}

fn cloak_vectors(out: &mut Out) {
    let vault: [u8; 32] = random(&mut rng_for("vault key"));
    let other: [u8; 32] = random(&mut rng_for("other vault key"));
    let meta_for = |name: &str, size: usize| json!({"name": name, "type": "application/octet-stream", "mtime": 1_763_000_000_000i64, "size": size});
    let entry = |name: &str, meta: &Value, key: &[u8; 32], expect: &str| {
        json!({"name": name, "kind": "cloak", "vault_key": hex::encode(key),
               "recipient_public_key": hex::encode(recipient_pk(key).to_bytes()), "key_id": hex::encode(key_id(key)),
               "metadata": meta, "expect": expect})
    };
    for size in SIZES {
        let name = format!("cloak-size-{size}");
        let meta = meta_for(&format!("file-{size}.bin"), size);
        let body = content(size, 5);
        let f = cloak_file(&name, &vault, To::Vault, &metadata_region(&meta), &body, 0);
        out.push(entry(&name, &meta, &vault, "ok"), &f.bytes, Some(&body));
    }
    let unicode =
        json!({"name": "Rapport d’été 🌞.pdf", "type": "application/pdf", "mtime": 0, "size": 10});
    let named = [
        (
            "cloak-x25519-recipient",
            To::X25519,
            meta_for("shared.txt", 1000),
            1000usize,
            0usize,
        ),
        (
            "cloak-vault-and-recipient",
            To::Both,
            meta_for("both.txt", 20000),
            20000,
            0,
        ),
        (
            "cloak-unknown-stanza-skipped",
            To::VaultAndUnknown,
            meta_for("skip.txt", 5),
            5,
            0,
        ),
        ("cloak-unicode-name", To::Vault, unicode, 10, 0),
        (
            "cloak-no-size",
            To::Vault,
            json!({"name": "stdin"}),
            40000,
            0,
        ),
        ("cloak-no-metadata", To::Vault, json!({}), 3, 0),
        (
            "cloak-large-metadata-bucket",
            To::Vault,
            meta_for(&"n".repeat(900), 64),
            64,
            0,
        ),
        (
            "cloak-padded",
            To::Vault,
            json!({"name": "padded.bin", "size": 1000, "padding": 24}),
            1000,
            24,
        ),
        (
            "cloak-hidden-folder",
            To::Vault,
            json!({"name": "receipt.pdf", "folder": "Taxes/2024", "size": 10}),
            10,
            0,
        ),
        (
            "cloak-unknown-metadata-field",
            To::Vault,
            json!({"name": "x", "size": 1, "future": [1, 2]}),
            1,
            0,
        ),
    ];
    for (name, to, meta, size, padding) in named {
        let body = content(size, 6);
        let f = cloak_file(name, &vault, to, &metadata_region(&meta), &body, padding);
        let mut e = entry(name, &meta, &vault, "ok");
        if padding > 0 {
            assert_eq!(sized_by_rule(&meta_without_padding(&meta)).1, padding);
            e["padding_sized_by_rule"] = json!(true);
        }
        out.push(e, &f.bytes, Some(&body));
    }
    // Records whose bucket grows once padding is added, and whose PADMÉ
    // padding for the larger bucket is 0: "iterate until the bucket is
    // stable" never settled for them.
    for (name, record_len, size) in [
        ("cloak-padded-bucket-256-to-1024", 243usize, 8192usize),
        ("cloak-padded-bucket-1024-to-4096", 1008, 31769),
    ] {
        let fixed = format!(r#"{{"name":"","size":{size}}}"#).len();
        let meta = json!({"name": "n".repeat(record_len - fixed), "size": size});
        let (meta, padding) = sized_by_rule(&meta);
        let body = content(size, 6);
        let f = cloak_file(
            name,
            &vault,
            To::Vault,
            &metadata_region(&meta),
            &body,
            padding,
        );
        let mut e = entry(name, &meta, &vault, "ok");
        e["padding_sized_by_rule"] = json!(true);
        out.push(e, &f.bytes, Some(&body));
    }

    // Failures. Base: vault + recipient stanzas, 3 chunks of plaintext.
    let size = 2 * CHUNK + 500 - 256;
    let meta = meta_for("base.bin", size);
    let body = content(size, 7);
    let f = cloak_file(
        "cloak-failure-base",
        &vault,
        To::Both,
        &metadata_region(&meta),
        &body,
        0,
    );
    let ct = &f.bytes;
    let (h, v, x) = (f.header_len, f.stanza_offsets[0], f.stanza_offsets[1]);
    let sealed = CHUNK + 16;
    let p = h + 56;
    let chunk = |i: usize| ct[p + i * sealed..(p + (i + 1) * sealed).min(ct.len())].to_vec();
    let join = |parts: &[Vec<u8>]| [ct[..p].to_vec(), parts.concat()].concat();
    let mut v2 = ct.clone();
    v2[8] = 2;
    let mut zero_count = ct.clone();
    zero_count[9] = 0;
    let mut unknown_type = ct.clone();
    unknown_type[v] = 0x7f;
    let mut bad_len = ct.clone();
    bad_len[v + 2] = 81;
    let x_only = cloak_file(
        "cloak-x25519-only",
        &vault,
        To::X25519,
        &metadata_region(&meta),
        &body,
        0,
    );
    let v_only = cloak_file(
        "cloak-vault-only",
        &vault,
        To::Vault,
        &metadata_region(&meta),
        &body,
        0,
    );
    let vo = v_only.stanza_offsets[0];
    let mut v_unknown_type = v_only.bytes.clone();
    v_unknown_type[vo] = 0x7f;
    let cases: Vec<(&str, Vec<u8>, &str, &[u8; 32])> = vec![
        ("flipped-magic", flip(ct, 1), "not_cloak", &vault),
        ("unsupported-version", v2, "unsupported_version", &vault),
        ("zero-stanzas", zero_count, "malformed_header", &vault),
        (
            "stanza-type-changed",
            unknown_type,
            "header_tampered",
            &vault,
        ),
        (
            "vault-only-stanza-type-changed",
            v_unknown_type,
            "wrong_key",
            &vault,
        ),
        (
            "vault-only-flipped-key-id",
            flip(&v_only.bytes, vo + 3 + 2),
            "wrong_key",
            &vault,
        ),
        ("stanza-length-changed", bad_len, "malformed_header", &vault),
        (
            "flipped-key-id",
            flip(ct, v + 3 + 2),
            "header_tampered",
            &vault,
        ),
        (
            "flipped-vault-salt",
            flip(ct, v + 3 + 16 + 1),
            "header_tampered",
            &vault,
        ),
        (
            "flipped-wrapped-key",
            flip(ct, v + 3 + 32 + 7),
            "header_tampered",
            &vault,
        ),
        (
            "flipped-wrap-tag",
            flip(ct, v + 3 + 79),
            "header_tampered",
            &vault,
        ),
        (
            "flipped-x25519-enc",
            flip(&x_only.bytes, x_only.stanza_offsets[0] + 3 + 4),
            "wrong_key",
            &vault,
        ),
        (
            "flipped-x25519-wrapped",
            flip(&x_only.bytes, x_only.stanza_offsets[0] + 3 + 40),
            "wrong_key",
            &vault,
        ),
        (
            "flipped-x25519-stanza-in-both",
            flip(ct, x + 3 + 4),
            "header_tampered",
            &vault,
        ),
        (
            "flipped-payload-salt",
            flip(ct, h + 2),
            "header_tampered",
            &vault,
        ),
        (
            "flipped-commitment",
            flip(ct, h + 24 + 9),
            "header_tampered",
            &vault,
        ),
        (
            "flipped-metadata-chunk",
            flip(ct, p + 10),
            "payload_tampered",
            &vault,
        ),
        (
            "flipped-chunk-1",
            flip(ct, p + sealed + 10),
            "payload_tampered",
            &vault,
        ),
        (
            "flipped-final-chunk",
            flip(ct, ct.len() - 17),
            "payload_tampered",
            &vault,
        ),
        ("truncated-in-magic", ct[..5].to_vec(), "truncated", &vault),
        (
            "truncated-in-header",
            ct[..h - 10].to_vec(),
            "truncated",
            &vault,
        ),
        (
            "truncated-in-prefix",
            ct[..h + 30].to_vec(),
            "truncated",
            &vault,
        ),
        ("truncated-no-chunks", ct[..p].to_vec(), "truncated", &vault),
        (
            "truncated-inside-chunk-0",
            ct[..p + 5000].to_vec(),
            "truncated_or_tampered",
            &vault,
        ),
        (
            "truncated-after-chunk-0",
            ct[..p + sealed].to_vec(),
            "truncated",
            &vault,
        ),
        (
            "truncated-after-chunk-1",
            ct[..p + 2 * sealed].to_vec(),
            "truncated",
            &vault,
        ),
        (
            "truncated-inside-final-chunk",
            ct[..ct.len() - 1].to_vec(),
            "truncated",
            &vault,
        ),
        (
            "truncated-just-after-boundary",
            ct[..p + 2 * sealed + 1].to_vec(),
            "truncated",
            &vault,
        ),
        (
            "dropped-chunk-1",
            join(&[chunk(0), chunk(2)]),
            "truncated",
            &vault,
        ),
        (
            "reordered-chunks",
            join(&[chunk(1), chunk(0), chunk(2)]),
            "payload_tampered",
            &vault,
        ),
        (
            "duplicated-chunk-1",
            join(&[chunk(0), chunk(1), chunk(1), chunk(2)]),
            "trailing_data",
            &vault,
        ),
        (
            "flipped-chunk-1-and-trailing",
            [flip(ct, p + sealed + 10), vec![0]].concat(),
            "payload_tampered",
            &vault,
        ),
        (
            "trailing-byte",
            [ct.clone(), vec![0]].concat(),
            "trailing_data",
            &vault,
        ),
        (
            "trailing-chunk",
            [ct.clone(), chunk(0)].concat(),
            "trailing_data",
            &vault,
        ),
        ("wrong-key", ct.clone(), "wrong_key", &other),
        ("empty-input", Vec::new(), "not_cloak", &vault),
        (
            "not-a-cloak-file",
            b"%PDF-1.7 this is not a cloak file".to_vec(),
            "not_cloak",
            &vault,
        ),
    ];
    for (suffix, bad, err, key) in cases {
        let name = format!("cloak-{suffix}");
        let mut e = entry(&name, &meta, key, "error");
        e["error"] = json!(err);
        out.push(e, &bad, None);
    }

    // Authentic files whose metadata break the rules.
    let bad_meta: Vec<(&str, Vec<u8>, Vec<u8>, &str)> = vec![
        (
            "metadata-nonzero-padding",
            metadata_region_raw(br#"{"name":"a"}"#.to_vec(), 7),
            b"abc".to_vec(),
            "bad_metadata",
        ),
        (
            "metadata-not-json",
            metadata_region_raw(b"{not json".to_vec(), 0),
            b"abc".to_vec(),
            "bad_metadata",
        ),
        (
            "metadata-padding-without-size",
            metadata_region_raw(br#"{"padding":3}"#.to_vec(), 0),
            vec![0; 3],
            "bad_metadata",
        ),
        (
            "metadata-size-larger-than-content",
            metadata_region(&json!({"size": 100})),
            vec![1; 50],
            "truncated",
        ),
        (
            "metadata-size-smaller-than-content",
            metadata_region(&json!({"size": 10})),
            vec![1; 50],
            "trailing_data",
        ),
        (
            "metadata-nonzero-size-padding",
            metadata_region(&json!({"size": 2, "padding": 2})),
            vec![1, 1, 0, 9],
            "bad_metadata",
        ),
        (
            "metadata-region-incomplete",
            metadata_region(&json!({"name": "a"}))[..100].to_vec(),
            Vec::new(),
            "bad_metadata",
        ),
    ];
    for (suffix, region, body, err) in bad_meta {
        let name = format!("cloak-{suffix}");
        let f = cloak_file(&name, &vault, To::Vault, &region, &body, 0);
        let mut e = entry(&name, &json!(null), &vault, "error");
        e["error"] = json!(err);
        out.push(e, &f.bytes, None);
    }
}

fn main() {
    let dir = std::env::args()
        .nth(1)
        .map_or_else(|| PathBuf::from("tests/vectors"), PathBuf::from);
    std::fs::create_dir_all(&dir).unwrap();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "bin") {
            std::fs::remove_file(path).unwrap();
        }
    }
    let mut out = Out {
        dir: dir.clone(),
        entries: Vec::new(),
    };
    cobblestone_vectors(&mut out);
    nonce_vectors(&mut out);
    cloak_vectors(&mut out);
    let index = json!({
        "format": "cloak-test-vectors/1",
        "description": "See README.md beside this file.",
        "count": out.entries.len(),
        "vectors": out.entries,
    });
    let path: &Path = &dir.join("vectors.json");
    std::fs::write(path, serde_json::to_string_pretty(&index).unwrap() + "\n").unwrap();
    eprintln!("wrote {} vectors to {}", out.entries.len(), dir.display());
}
