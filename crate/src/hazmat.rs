//! Chunk-level access to the Cobblestone-256 payload (C2SP `chunked-encryption`).
//!
//! **Hazardous material.** These functions seal and open one chunk given the derived
//! key and base nonce. They exist so that chunks can be processed in parallel or by
//! another AES-256-GCM engine (the browser's WebCrypto), with this crate's `aes-gcm`
//! engine as the reference (native builds may use AWS-LC's: see `aead.rs`). They do not enforce chunk order, the end-of-message rule
//! (the final chunk is shorter than [`CHUNK_SIZE`]), or the commitment check: the safe
//! API in [`crate::stream`] does, and anything built on this module must too.

use crate::aead::ChunkCipher;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha512;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// Plaintext bytes in every chunk but the last.
pub const CHUNK_SIZE: usize = 16 * 1024;
/// AES-GCM authentication tag length.
pub const TAG_SIZE: usize = 16;
/// Ciphertext bytes of a full chunk.
pub const SEALED_CHUNK_SIZE: usize = CHUNK_SIZE + TAG_SIZE;
/// Length of the per-message salt.
pub const SALT_SIZE: usize = 24;
/// Length of the key commitment.
pub const COMMITMENT_SIZE: usize = 32;
/// Length of the input key, the derived key, and the file key.
pub const KEY_SIZE: usize = 32;
/// Length of the AES-GCM nonce.
pub const NONCE_SIZE: usize = 12;
/// Chunk counters MUST stay below 2³⁸.
pub const MAX_CHUNKS: u64 = 1 << 38;

/// Name of the AEAD in the IANA registry, part of the HKDF info string.
const AEAD_NAME: &[u8] = b"AEAD_AES_256_GCM";
const INFO_PREFIX: &[u8] = b"c2sp.org/chunked-encryption@v1+";

/// The AES-256-GCM key and base nonce derived for one message.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct ChunkKeys {
    key: [u8; KEY_SIZE],
    base_nonce: [u8; NONCE_SIZE],
}

/// Errors from chunk-level operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ChunkError {
    /// The chunk index is at or above 2³⁸.
    #[error("chunk index {0} is beyond the format's limit of 2^38 chunks")]
    CounterOverflow(u64),
    /// A chunk holds more than [`CHUNK_SIZE`] bytes of plaintext.
    #[error("chunk is larger than {CHUNK_SIZE} bytes")]
    ChunkTooLarge,
    /// The sealed chunk is shorter than a tag.
    #[error("sealed chunk is shorter than its tag")]
    ChunkTooShort,
    /// The AEAD rejected the chunk: it was modified, truncated or sealed under another key.
    #[error("chunk failed authentication")]
    Unauthentic,
}

/// HKDF-Expand (RFC 5869 §2.3) with SHA-512, taking the 32-byte input key directly
/// as the PRK, as chunked-encryption specifies. The `hkdf` crate's `from_prk`
/// rejects a PRK shorter than the hash output, so this is the smallest Expand
/// written over `hmac` instead.
fn hkdf_expand_sha512(prk: &[u8; KEY_SIZE], info: &[&[u8]], out: &mut [u8]) {
    let mut previous: Option<[u8; 64]> = None;
    for (counter, block) in (1u8..).zip(out.chunks_mut(64)) {
        // A 32-byte key is always accepted by HMAC.
        let Ok(mut mac) = <Hmac<Sha512> as KeyInit>::new_from_slice(prk) else {
            unreachable!("HMAC accepts keys of any length")
        };
        if let Some(t) = &previous {
            mac.update(t);
        }
        for part in info {
            mac.update(part);
        }
        mac.update(&[counter]);
        let t: [u8; 64] = mac.finalize().into_bytes().into();
        block.copy_from_slice(&t[..block.len()]);
        if let Some(mut old) = previous.replace(t) {
            old.zeroize();
        }
    }
    if let Some(mut last) = previous {
        last.zeroize();
    }
}

/// Derives the chunk key, base nonce and commitment for one message from its
/// input key, salt and context.
pub fn derive(
    input_key: &[u8; KEY_SIZE],
    salt: &[u8; SALT_SIZE],
    context: &[u8],
) -> (ChunkKeys, [u8; COMMITMENT_SIZE]) {
    let mut okm = [0u8; KEY_SIZE + NONCE_SIZE + COMMITMENT_SIZE];
    hkdf_expand_sha512(
        input_key,
        &[INFO_PREFIX, AEAD_NAME, &[0], salt, context],
        &mut okm,
    );
    let mut keys = ChunkKeys {
        key: [0; KEY_SIZE],
        base_nonce: [0; NONCE_SIZE],
    };
    keys.key.copy_from_slice(&okm[..KEY_SIZE]);
    keys.base_nonce
        .copy_from_slice(&okm[KEY_SIZE..KEY_SIZE + NONCE_SIZE]);
    let mut commitment = [0u8; COMMITMENT_SIZE];
    commitment.copy_from_slice(&okm[KEY_SIZE + NONCE_SIZE..]);
    okm.zeroize();
    (keys, commitment)
}

impl ChunkKeys {
    /// Wraps a key and base nonce derived elsewhere (e.g. handed over by WASM
    /// callers). They MUST come from [`derive`] or equally uniform randomness.
    pub fn from_parts(key: [u8; KEY_SIZE], base_nonce: [u8; NONCE_SIZE]) -> Self {
        Self { key, base_nonce }
    }

    /// The raw AES-256-GCM key, for handing to another engine (e.g. WebCrypto).
    pub fn key_bytes(&self) -> &[u8; KEY_SIZE] {
        &self.key
    }

    /// The base nonce.
    pub fn base_nonce(&self) -> &[u8; NONCE_SIZE] {
        &self.base_nonce
    }

    /// The nonce of chunk `index`: the base nonce XOR the big-endian index.
    pub fn nonce(&self, index: u64) -> Result<[u8; NONCE_SIZE], ChunkError> {
        if index >= MAX_CHUNKS {
            return Err(ChunkError::CounterOverflow(index));
        }
        let mut nonce = self.base_nonce;
        for (n, c) in nonce[NONCE_SIZE - 8..].iter_mut().zip(index.to_be_bytes()) {
            *n ^= c;
        }
        Ok(nonce)
    }

    fn cipher(&self) -> ChunkCipher {
        ChunkCipher::new(&self.key)
    }

    /// Seals chunk `index` in place: `buf` holds the plaintext and receives the
    /// ciphertext followed by the tag.
    pub fn seal_in_place(&self, index: u64, buf: &mut Vec<u8>) -> Result<(), ChunkError> {
        if buf.len() > CHUNK_SIZE {
            return Err(ChunkError::ChunkTooLarge);
        }
        let tag = self
            .cipher()
            .seal(self.nonce(index)?, buf)
            .map_err(|_| ChunkError::ChunkTooLarge)?;
        buf.extend_from_slice(&tag);
        Ok(())
    }

    /// Opens chunk `index` in place: `buf` holds ciphertext and tag and is left
    /// holding the plaintext. On failure `buf` is cleared, so no unauthenticated
    /// plaintext is ever visible.
    pub fn open_in_place(&self, index: u64, buf: &mut Vec<u8>) -> Result<(), ChunkError> {
        let nonce = self.nonce(index)?;
        let Some(body_len) = buf.len().checked_sub(TAG_SIZE) else {
            buf.clear();
            return Err(ChunkError::ChunkTooShort);
        };
        if body_len > CHUNK_SIZE {
            buf.clear();
            return Err(ChunkError::ChunkTooLarge);
        }
        let (body, tag) = buf.split_at_mut(body_len);
        let tag: [u8; TAG_SIZE] = (&*tag).try_into().map_err(|_| ChunkError::ChunkTooShort)?;
        let result = self.cipher().open(nonce, body, &tag);
        if result.is_err() {
            buf.zeroize();
            buf.clear();
            return Err(ChunkError::Unauthentic);
        }
        buf.truncate(body_len);
        Ok(())
    }

    /// Seals consecutive chunks starting at index `first`: each
    /// [`CHUNK_SIZE`] piece of `plaintext` (a whole number of them) goes to the
    /// matching [`SEALED_CHUNK_SIZE`] piece of `out` as ciphertext ‖ tag. The
    /// cipher's key schedule is computed once for all of them.
    pub fn seal_whole_chunks(
        &self,
        first: u64,
        plaintext: &[u8],
        out: &mut [u8],
    ) -> Result<(), ChunkError> {
        if !plaintext.len().is_multiple_of(CHUNK_SIZE)
            || out.len() != plaintext.len() / CHUNK_SIZE * SEALED_CHUNK_SIZE
        {
            return Err(ChunkError::ChunkTooLarge);
        }
        let cipher = self.cipher();
        let pieces = plaintext.chunks_exact(CHUNK_SIZE);
        for ((index, plain), sealed) in (first..)
            .zip(pieces)
            .zip(out.chunks_exact_mut(SEALED_CHUNK_SIZE))
        {
            let (body, tag) = sealed.split_at_mut(CHUNK_SIZE);
            body.copy_from_slice(plain);
            let t = cipher
                .seal(self.nonce(index)?, body)
                .map_err(|_| ChunkError::ChunkTooLarge)?;
            tag.copy_from_slice(&t);
        }
        Ok(())
    }

    /// Opens consecutive full sealed chunks starting at index `first`: each
    /// [`SEALED_CHUNK_SIZE`] piece of `sealed` goes to the matching
    /// [`CHUNK_SIZE`] piece of `out`. On failure, returns the index of the
    /// first chunk that failed; `out` then holds plaintext only for the chunks
    /// before it, which authenticated (the AEAD checks a tag before it decrypts).
    pub fn open_whole_chunks(
        &self,
        first: u64,
        sealed: &[u8],
        out: &mut [u8],
    ) -> Result<(), (u64, ChunkError)> {
        if !sealed.len().is_multiple_of(SEALED_CHUNK_SIZE)
            || out.len() != sealed.len() / SEALED_CHUNK_SIZE * CHUNK_SIZE
        {
            return Err((first, ChunkError::ChunkTooLarge));
        }
        let cipher = self.cipher();
        let pieces = sealed.chunks_exact(SEALED_CHUNK_SIZE);
        for ((index, piece), plain) in (first..).zip(pieces).zip(out.chunks_exact_mut(CHUNK_SIZE)) {
            let nonce = self.nonce(index).map_err(|e| (index, e))?;
            let (body, tag) = piece.split_at(CHUNK_SIZE);
            let tag: &[u8; TAG_SIZE] = tag
                .try_into()
                .map_err(|_| (index, ChunkError::ChunkTooShort))?;
            // `open_into` zeroes `plain` when the tag does not verify.
            cipher
                .open_into(nonce, body, tag, plain)
                .map_err(|_| (index, ChunkError::Unauthentic))?;
        }
        Ok(())
    }

    /// Seals one chunk and returns ciphertext ‖ tag.
    pub fn seal(&self, index: u64, plaintext: &[u8]) -> Result<Vec<u8>, ChunkError> {
        let mut buf = Vec::with_capacity(plaintext.len() + TAG_SIZE);
        buf.extend_from_slice(plaintext);
        self.seal_in_place(index, &mut buf)?;
        Ok(buf)
    }

    /// Opens one sealed chunk and returns its plaintext.
    pub fn open(&self, index: u64, sealed: &[u8]) -> Result<Vec<u8>, ChunkError> {
        let mut buf = sealed.to_vec();
        self.open_in_place(index, &mut buf)?;
        Ok(buf)
    }
}

/// Length of a Cobblestone ciphertext (salt, commitment and chunks) for a
/// plaintext of `plaintext_len` bytes.
pub fn sealed_len(plaintext_len: u64) -> u64 {
    let chunks = plaintext_len / CHUNK_SIZE as u64 + 1;
    (SALT_SIZE + COMMITMENT_SIZE) as u64 + plaintext_len + chunks * TAG_SIZE as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> ChunkKeys {
        derive(&[7; KEY_SIZE], &[9; SALT_SIZE], b"ctx").0
    }

    #[test]
    fn expand_is_rfc5869_over_a_32_byte_prk() {
        // T(1) = HMAC(PRK, info ‖ 0x01), T(2) = HMAC(PRK, T(1) ‖ info ‖ 0x02).
        let prk32 = [5u8; 32];
        let mut got = [0u8; 100];
        hkdf_expand_sha512(&prk32, &[b"in", b"fo"], &mut got);
        let mut t1 = <Hmac<Sha512> as KeyInit>::new_from_slice(&prk32).unwrap();
        t1.update(b"info\x01");
        let t1 = t1.finalize().into_bytes();
        let mut t2 = <Hmac<Sha512> as KeyInit>::new_from_slice(&prk32).unwrap();
        t2.update(&t1);
        t2.update(b"info\x02");
        let t2 = t2.finalize().into_bytes();
        assert_eq!(&got[..64], &t1[..]);
        assert_eq!(&got[64..], &t2[..36]);
    }

    #[test]
    fn nonce_xors_big_endian_counter() {
        let k = keys();
        let base = *k.base_nonce();
        let n = k.nonce(0x01_0203_0405).unwrap();
        assert_eq!(n[..7], base[..7]);
        assert_eq!(n[7], base[7] ^ 0x01);
        assert_eq!(n[11], base[11] ^ 0x05);
        assert_eq!(
            k.nonce(MAX_CHUNKS),
            Err(ChunkError::CounterOverflow(MAX_CHUNKS))
        );
        assert!(k.nonce(MAX_CHUNKS - 1).is_ok());
    }

    #[test]
    fn seal_open_round_trip_and_index_binding() {
        let k = keys();
        let sealed = k.seal(5, b"hello").unwrap();
        assert_eq!(sealed.len(), 5 + TAG_SIZE);
        assert_eq!(k.open(5, &sealed).unwrap(), b"hello");
        assert_eq!(k.open(6, &sealed), Err(ChunkError::Unauthentic));
        assert_eq!(k.open(5, &sealed[..10]), Err(ChunkError::ChunkTooShort));
        assert_eq!(
            k.seal(0, &vec![0; CHUNK_SIZE + 1]),
            Err(ChunkError::ChunkTooLarge)
        );
    }

    #[test]
    fn sealed_len_follows_spec() {
        assert_eq!(sealed_len(0), 56 + 16);
        assert_eq!(sealed_len(16383), 56 + 16383 + 16);
        assert_eq!(sealed_len(16384), 56 + 16384 + 32);
    }
}
