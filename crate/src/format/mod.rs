//! The `.cloak` header: magic, version and key stanzas (see `docs/FORMAT.md`).
//!
//! Wire primitives only: parsing lives in [`read`], serialising in [`write`].
//! What the stanzas mean is the business of [`crate::protocol`].

pub mod read;
pub mod write;

use crate::keys::{KEY_ID_SIZE, KeyId};

/// The eight bytes every `.cloak` file starts with.
pub const MAGIC: [u8; 8] = *b"\x89CLOAK\r\n";
/// The only format version this build writes and reads.
pub const VERSION: u8 = 1;
/// Most stanzas a header may carry.
pub const MAX_STANZAS: usize = 64;
/// Longest header a reader accepts, in bytes.
pub const MAX_HEADER_LEN: usize = 65_536;

/// Stanza type: the file key wrapped under a vault key.
pub const STANZA_VAULT: u8 = 0x01;
/// Stanza type: the file key sealed to an X25519 recipient with HPKE.
pub const STANZA_X25519: u8 = 0x02;
/// Stanza type reserved for a hybrid ML-KEM-768 + X25519 (X-Wing) recipient.
pub const STANZA_MLKEM768_X25519: u8 = 0x03;

/// Length of the salt in a vault stanza.
pub const VAULT_SALT_SIZE: usize = 16;
/// Length of a wrapped file key (32-byte key and 16-byte tag).
pub const WRAPPED_KEY_SIZE: usize = 48;
/// Length of a vault stanza body.
pub const VAULT_BODY_SIZE: usize = KEY_ID_SIZE + VAULT_SALT_SIZE + WRAPPED_KEY_SIZE;
/// Length of an HPKE encapsulated X25519 key.
pub const X25519_ENC_SIZE: usize = 32;
/// Length of an X25519 stanza body.
pub const X25519_BODY_SIZE: usize = X25519_ENC_SIZE + WRAPPED_KEY_SIZE;
/// Bytes of stanza framing (type and body length).
pub const STANZA_FRAMING: usize = 3;
/// Bytes before the first stanza: magic, version, stanza count.
pub const FIXED_HEADER_LEN: usize = MAGIC.len() + 2;

/// One key stanza.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stanza {
    /// File key wrapped under the vault key with this id.
    Vault {
        /// Which vault key.
        key_id: KeyId,
        /// Per-stanza HKDF salt.
        salt: [u8; VAULT_SALT_SIZE],
        /// AES-256-GCM ciphertext of the file key.
        wrapped: [u8; WRAPPED_KEY_SIZE],
    },
    /// File key sealed to an X25519 recipient (HPKE base mode).
    X25519 {
        /// HPKE encapsulated key.
        enc: [u8; X25519_ENC_SIZE],
        /// HPKE ciphertext of the file key.
        wrapped: [u8; WRAPPED_KEY_SIZE],
    },
    /// A stanza type this build cannot open (including the reserved hybrid type).
    Unknown {
        /// The stanza type byte.
        kind: u8,
        /// The raw body.
        body: Vec<u8>,
    },
}

impl Stanza {
    /// The type byte of this stanza.
    pub fn kind(&self) -> u8 {
        match self {
            Self::Vault { .. } => STANZA_VAULT,
            Self::X25519 { .. } => STANZA_X25519,
            Self::Unknown { kind, .. } => *kind,
        }
    }

    /// Length of the serialised stanza, framing included.
    pub fn encoded_len(&self) -> usize {
        STANZA_FRAMING
            + match self {
                Self::Vault { .. } => VAULT_BODY_SIZE,
                Self::X25519 { .. } => X25519_BODY_SIZE,
                Self::Unknown { body, .. } => body.len(),
            }
    }
}

/// A parsed header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// The key stanzas, in file order.
    pub stanzas: Vec<Stanza>,
}

/// Length of a header holding `vault` vault stanzas and `x25519` recipient stanzas.
pub fn header_len(vault: usize, x25519: usize) -> usize {
    FIXED_HEADER_LEN
        + vault * (STANZA_FRAMING + VAULT_BODY_SIZE)
        + x25519 * (STANZA_FRAMING + X25519_BODY_SIZE)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Header {
        Header {
            stanzas: vec![
                Stanza::Vault {
                    key_id: KeyId([1; 16]),
                    salt: [2; 16],
                    wrapped: [3; 48],
                },
                Stanza::X25519 {
                    enc: [4; 32],
                    wrapped: [5; 48],
                },
                Stanza::Unknown {
                    kind: STANZA_MLKEM768_X25519,
                    body: vec![6; 10],
                },
            ],
        }
    }

    #[test]
    fn header_round_trips_and_lengths_agree() {
        let h = sample();
        let bytes = h.to_bytes();
        assert_eq!(
            read::parse_header(&bytes).unwrap(),
            Some((h.clone(), bytes.len()))
        );
        let two = Header {
            stanzas: h.stanzas[..2].to_vec(),
        };
        assert_eq!(two.to_bytes().len(), header_len(1, 1));
    }

    #[test]
    fn incomplete_header_asks_for_more() {
        let bytes = sample().to_bytes();
        for cut in 0..bytes.len() {
            assert_eq!(
                read::parse_header(&bytes[..cut]).unwrap(),
                None,
                "cut {cut}"
            );
        }
    }
}
