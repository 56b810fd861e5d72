//! The AES-256-GCM engine that seals and opens payload chunks.
//!
//! Native builds with the `native-aes` feature (the CLI) use AWS-LC through
//! `aws-lc-rs`: its AES-GCM uses the CPU's AES and carry-less multiply
//! instructions (VAES/AVX-512 where present) and is several times faster than
//! RustCrypto's `aes-gcm` on 16 KiB chunks (`./build.sh bench`). Its key
//! schedule lives in memory that AWS-LC zeroes when it is freed
//! (`EVP_AEAD_CTX_free` → `OPENSSL_free` → `OPENSSL_cleanse`). Every other build
//! (WASM) uses `aes-gcm`, which stays the reference: a test below checks that
//! both give the same bytes, and the test vectors run against whichever engine
//! the build has.

use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce, Tag};

use crate::hazmat::{KEY_SIZE, NONCE_SIZE, TAG_SIZE};

/// The AEAD refused to seal (input too long) or to open (authentication failed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Refused;

/// One chunk key, expanded once and used for a run of chunks.
pub(crate) enum ChunkCipher {
    /// AWS-LC's AES-256-GCM.
    #[cfg(feature = "native-aes")]
    Native(aws_lc_rs::aead::LessSafeKey),
    /// RustCrypto's AES-256-GCM (boxed: its key schedule and GHASH key are large).
    Portable(Box<Aes256Gcm>),
}

impl ChunkCipher {
    /// Expands `key`. If AWS-LC refuses it (it accepts every 32-byte key; this
    /// would mean its start-up self-test failed), the portable engine is used,
    /// which gives the same bytes.
    pub(crate) fn new(key: &[u8; KEY_SIZE]) -> Self {
        #[cfg(feature = "native-aes")]
        {
            use aws_lc_rs::aead::{AES_256_GCM, LessSafeKey, UnboundKey};
            if let Ok(k) = UnboundKey::new(&AES_256_GCM, key) {
                return Self::Native(LessSafeKey::new(k));
            }
        }
        Self::portable(key)
    }

    /// The reference engine, whatever the build.
    pub(crate) fn portable(key: &[u8; KEY_SIZE]) -> Self {
        Self::Portable(Box::new(Aes256Gcm::new(&(*key).into())))
    }

    /// Encrypts `body` in place and returns its tag.
    pub(crate) fn seal(
        &self,
        nonce: [u8; NONCE_SIZE],
        body: &mut [u8],
    ) -> Result<[u8; TAG_SIZE], Refused> {
        match self {
            #[cfg(feature = "native-aes")]
            Self::Native(k) => {
                use aws_lc_rs::aead::{Aad, Nonce};
                let nonce = Nonce::assume_unique_for_key(nonce);
                let tag = k
                    .seal_in_place_separate_tag(nonce, Aad::empty(), body)
                    .map_err(|_| Refused)?;
                tag.as_ref().try_into().map_err(|_| Refused)
            }
            Self::Portable(c) => {
                let tag = c
                    .encrypt_inout_detached(&Nonce::from(nonce), &[], body.into())
                    .map_err(|_| Refused)?;
                Ok(tag.into())
            }
        }
    }

    /// Checks `tag` and decrypts `body` in place. On failure `body` is zeroed,
    /// so no unauthenticated plaintext is ever left in it.
    pub(crate) fn open(
        &self,
        nonce: [u8; NONCE_SIZE],
        body: &mut [u8],
        tag: &[u8; TAG_SIZE],
    ) -> Result<(), Refused> {
        let result = match self {
            #[cfg(feature = "native-aes")]
            Self::Native(k) => {
                use aws_lc_rs::aead::{Aad, Nonce};
                let nonce = Nonce::assume_unique_for_key(nonce);
                k.open_in_place_separate_tag(nonce, Aad::empty(), tag, body)
                    .map(|_| ())
                    .map_err(|_| Refused)
            }
            Self::Portable(c) => c
                .decrypt_inout_detached(&Nonce::from(nonce), &[], body.into(), &Tag::from(*tag))
                .map_err(|_| Refused),
        };
        if result.is_err() {
            body.fill(0);
        }
        result
    }

    /// Checks `tag` and decrypts `ciphertext` into `out` (of the same length).
    /// On failure `out` is zeroed.
    pub(crate) fn open_into(
        &self,
        nonce: [u8; NONCE_SIZE],
        ciphertext: &[u8],
        tag: &[u8; TAG_SIZE],
        out: &mut [u8],
    ) -> Result<(), Refused> {
        if ciphertext.len() != out.len() {
            return Err(Refused);
        }
        match self {
            #[cfg(feature = "native-aes")]
            Self::Native(k) => {
                use aws_lc_rs::aead::{Aad, Nonce};
                let nonce = Nonce::assume_unique_for_key(nonce);
                let result = k
                    .open_separate_gather(nonce, Aad::empty(), ciphertext, tag, out)
                    .map_err(|_| Refused);
                if result.is_err() {
                    out.fill(0);
                }
                result
            }
            Self::Portable(_) => {
                out.copy_from_slice(ciphertext);
                self.open(nonce, out, tag)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Whatever engine the build chose seals exactly as the reference does,
        /// and each opens what the other sealed.
        #[test]
        fn engine_matches_the_reference(
            key in any::<[u8; KEY_SIZE]>(),
            nonce in any::<[u8; NONCE_SIZE]>(),
            body in proptest::collection::vec(any::<u8>(), 0..40_000),
        ) {
            let (engine, reference) = (ChunkCipher::new(&key), ChunkCipher::portable(&key));
            let (mut a, mut b) = (body.clone(), body.clone());
            let tag_a = engine.seal(nonce, &mut a).unwrap();
            let tag_b = reference.seal(nonce, &mut b).unwrap();
            prop_assert_eq!(&a, &b);
            prop_assert_eq!(tag_a, tag_b);
            let mut c = vec![0; body.len()];
            engine.open_into(nonce, &a, &tag_a, &mut c).unwrap();
            reference.open(nonce, &mut a, &tag_a).unwrap();
            engine.open(nonce, &mut b, &tag_b).unwrap();
            prop_assert_eq!(&a, &body);
            prop_assert_eq!(&b, &body);
            prop_assert_eq!(&c, &body);
        }

        /// A flipped bit in the body or the tag is refused by both engines,
        /// and the body is left zeroed.
        #[test]
        fn both_engines_refuse_a_flipped_bit(
            key in any::<[u8; KEY_SIZE]>(),
            body in proptest::collection::vec(any::<u8>(), 1..5_000),
            at in any::<prop::sample::Index>(),
            in_tag in any::<bool>(),
        ) {
            for cipher in [ChunkCipher::new(&key), ChunkCipher::portable(&key)] {
                let mut sealed = body.clone();
                let mut tag = cipher.seal([1; NONCE_SIZE], &mut sealed).unwrap();
                if in_tag {
                    tag[at.index(TAG_SIZE)] ^= 1;
                } else {
                    sealed[at.index(body.len())] ^= 1;
                }
                let mut out = vec![1; body.len()];
                prop_assert_eq!(cipher.open_into([1; NONCE_SIZE], &sealed, &tag, &mut out), Err(Refused));
                prop_assert!(out.iter().all(|&x| x == 0));
                prop_assert_eq!(cipher.open([1; NONCE_SIZE], &mut sealed, &tag), Err(Refused));
                prop_assert!(sealed.iter().all(|&x| x == 0));
            }
        }
    }

    #[cfg(feature = "native-aes")]
    #[test]
    fn native_builds_use_aws_lc() {
        assert!(matches!(
            ChunkCipher::new(&[0; KEY_SIZE]),
            ChunkCipher::Native(_)
        ));
    }
}
