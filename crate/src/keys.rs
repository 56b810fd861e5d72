//! Vault keys, their ids, the X25519 identity derived from them, public
//! recipient strings, and recovery keys.
//!
//! A vault key is 32 random bytes. Everything else a user needs is derived from
//! it, so the recovery key (the vault key, encoded for people) restores it all.

use std::fmt;
use std::str::FromStr;

use bech32::{Bech32m, Hrp};
use hkdf::Hkdf;
use hpke::kem::X25519HkdfSha256;
use hpke::{Deserializable, Kem as _, Serializable};
use sha2::Sha256;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::error::KeyError;

/// Length of a vault key.
pub const VAULT_KEY_SIZE: usize = 32;
/// Length of a key id.
pub const KEY_ID_SIZE: usize = 16;

const RECIPIENT_HRP: &str = "cloak";
const RECOVERY_HRP: &str = "cloakrecovery";
const RECOVERY_VERSION: u8 = 1;

/// Fills `buf` from the operating system's (or browser's) CSPRNG.
pub(crate) fn random_bytes(buf: &mut [u8]) -> Result<(), KeyError> {
    getrandom::fill(buf).map_err(|_| KeyError::Random)
}

/// HKDF-SHA256 with an empty salt, used for every derivation from a vault key.
fn derive32(ikm: &[u8], info: &[u8]) -> Zeroizing<[u8; 32]> {
    let mut out = Zeroizing::new([0u8; 32]);
    let hk = Hkdf::<Sha256>::new(None, ikm);
    // 32 bytes is far below HKDF-SHA256's 8160-byte limit.
    if hk.expand(info, out.as_mut()).is_err() {
        unreachable!("HKDF-SHA256 can always output 32 bytes")
    }
    out
}

/// A user's symmetric vault key. Zeroized on drop; never printed.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct VaultKey([u8; VAULT_KEY_SIZE]);

impl fmt::Debug for VaultKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VaultKey({})", self.key_id())
    }
}

impl VaultKey {
    /// Generates a new random vault key.
    pub fn generate() -> Result<Self, KeyError> {
        let mut key = [0u8; VAULT_KEY_SIZE];
        random_bytes(&mut key)?;
        Ok(Self(key))
    }

    /// Wraps existing key bytes.
    pub fn from_bytes(bytes: [u8; VAULT_KEY_SIZE]) -> Self {
        Self(bytes)
    }

    /// The raw key bytes. Handle with care.
    pub fn as_bytes(&self) -> &[u8; VAULT_KEY_SIZE] {
        &self.0
    }

    /// The key's public fingerprint.
    pub fn key_id(&self) -> KeyId {
        let d = derive32(&self.0, b"cloak/v1 key-id");
        let mut id = [0u8; KEY_ID_SIZE];
        id.copy_from_slice(&d[..KEY_ID_SIZE]);
        KeyId(id)
    }

    /// The X25519 identity derived from this key.
    pub fn identity(&self) -> Identity {
        Identity(*derive32(&self.0, b"cloak/v1 x25519-identity"))
    }

    /// The public recipient matching [`Self::identity`].
    pub fn recipient(&self) -> Recipient {
        self.identity().recipient()
    }

    /// The recovery key: this key in a form a person can write down and type back.
    pub fn recovery_key(&self) -> Zeroizing<String> {
        let mut data = Zeroizing::new(Vec::with_capacity(1 + VAULT_KEY_SIZE));
        data.push(RECOVERY_VERSION);
        data.extend_from_slice(&self.0);
        let hrp = Hrp::parse_unchecked(RECOVERY_HRP);
        let Ok(encoded) = bech32::encode_upper::<Bech32m>(hrp, &data) else {
            unreachable!("33 bytes always fit a bech32m string")
        };
        let encoded = Zeroizing::new(encoded);
        let (head, body) = encoded.split_at(RECOVERY_HRP.len() + 1);
        let groups: Vec<&str> = body
            .as_bytes()
            .chunks(6)
            .map(|c| std::str::from_utf8(c).unwrap_or_default())
            .collect();
        Zeroizing::new(format!("{head}-{}", groups.join("-")))
    }

    /// Parses a recovery key, ignoring case, spaces and dashes.
    pub fn from_recovery_key(text: &str) -> Result<Self, KeyError> {
        let compact: Zeroizing<String> = Zeroizing::new(
            text.chars()
                .filter(|c| !c.is_whitespace() && *c != '-')
                .collect::<String>()
                .to_ascii_lowercase(),
        );
        let (hrp, data) = bech32::decode(&compact).map_err(|_| {
            KeyError::BadRecoveryKey("it contains a typo, or characters are missing or extra")
        })?;
        let data = Zeroizing::new(data);
        if hrp.as_str() != RECOVERY_HRP {
            return Err(KeyError::BadRecoveryKey("it is not a Cloak recovery key"));
        }
        match data.split_first() {
            Some((&RECOVERY_VERSION, key)) if key.len() == VAULT_KEY_SIZE => {
                let mut bytes = [0u8; VAULT_KEY_SIZE];
                bytes.copy_from_slice(key);
                Ok(Self(bytes))
            }
            Some((&RECOVERY_VERSION, _)) => Err(KeyError::BadRecoveryKey("wrong length")),
            _ => Err(KeyError::BadRecoveryKey("unsupported recovery key version")),
        }
    }
}

/// The public fingerprint of a vault key; it identifies, never reveals, the key.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(pub [u8; KEY_ID_SIZE]);

impl KeyId {
    /// Short form for messages: the first 8 hex digits, upper case.
    pub fn short(&self) -> String {
        hex::encode_upper(&self.0[..4])
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({self})")
    }
}

impl FromStr for KeyId {
    type Err = KeyError;
    fn from_str(s: &str) -> Result<Self, KeyError> {
        let mut id = [0u8; KEY_ID_SIZE];
        hex::decode_to_slice(s, &mut id)
            .map_err(|_| KeyError::BadKeyFile("key id is not 32 hex digits".into()))?;
        Ok(Self(id))
    }
}

/// An X25519 private key (the user's identity for shared files).
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Identity([u8; 32]);

impl Identity {
    pub(crate) fn hpke_private(
        &self,
    ) -> Result<<X25519HkdfSha256 as hpke::Kem>::PrivateKey, KeyError> {
        <X25519HkdfSha256 as hpke::Kem>::PrivateKey::from_bytes(&self.0)
            .map_err(|_| KeyError::BadRecipient("invalid X25519 private key"))
    }

    /// The public recipient for this identity.
    pub fn recipient(&self) -> Recipient {
        match self.hpke_private() {
            Ok(sk) => {
                let pk = X25519HkdfSha256::sk_to_pk(&sk);
                let mut bytes = [0u8; 32];
                bytes.copy_from_slice(&pk.to_bytes());
                Recipient(bytes)
            }
            Err(_) => unreachable!("every 32-byte string is an X25519 private key"),
        }
    }
}

/// A public X25519 recipient, shared as a `cloak1…` string.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Recipient(pub(crate) [u8; 32]);

impl Recipient {
    /// The raw public key bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    pub(crate) fn hpke_public(
        &self,
    ) -> Result<<X25519HkdfSha256 as hpke::Kem>::PublicKey, KeyError> {
        <X25519HkdfSha256 as hpke::Kem>::PublicKey::from_bytes(&self.0)
            .map_err(|_| KeyError::BadRecipient("invalid X25519 public key"))
    }
}

impl fmt::Display for Recipient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hrp = Hrp::parse_unchecked(RECIPIENT_HRP);
        match bech32::encode_lower::<Bech32m>(hrp, &self.0) {
            Ok(s) => f.write_str(&s),
            Err(_) => Err(fmt::Error),
        }
    }
}

impl fmt::Debug for Recipient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Recipient({self})")
    }
}

impl FromStr for Recipient {
    type Err = KeyError;
    fn from_str(s: &str) -> Result<Self, KeyError> {
        let (hrp, data) = bech32::decode(s.trim())
            .map_err(|_| KeyError::BadRecipient("not a valid cloak1… string (typo?)"))?;
        if hrp.as_str() != RECIPIENT_HRP {
            return Err(KeyError::BadRecipient("it does not start with cloak1"));
        }
        let bytes: [u8; 32] = data
            .try_into()
            .map_err(|_| KeyError::BadRecipient("wrong length"))?;
        let r = Recipient(bytes);
        r.hpke_public()?;
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn derivations_are_stable_and_distinct() {
        let k = VaultKey::from_bytes([42; 32]);
        assert_eq!(k.key_id(), k.clone().key_id());
        assert_ne!(k.key_id(), VaultKey::from_bytes([43; 32]).key_id());
        assert!(k.recipient().to_string().starts_with("cloak1"));
        assert_eq!(k.recipient(), k.identity().recipient());
    }

    #[test]
    fn recovery_key_catches_typos() {
        let k = VaultKey::from_bytes([7; 32]);
        let text = k.recovery_key();
        assert!(text.starts_with("CLOAKRECOVERY1-"));
        let mut typo: Vec<char> = text.chars().collect();
        let i = typo.len() - 10;
        typo[i] = if typo[i] == 'Q' { 'P' } else { 'Q' };
        let typo: String = typo.into_iter().collect();
        assert!(matches!(
            VaultKey::from_recovery_key(&typo),
            Err(KeyError::BadRecoveryKey(_))
        ));
        assert!(VaultKey::from_recovery_key(&text[..text.len() - 2]).is_err());
    }

    proptest! {
        #[test]
        fn recovery_key_round_trips(bytes in any::<[u8; 32]>(), lower in any::<bool>()) {
            let k = VaultKey::from_bytes(bytes);
            let mut text = k.recovery_key().to_string();
            if lower { text = text.to_lowercase().replace('-', " "); }
            let back = VaultKey::from_recovery_key(&text).unwrap();
            prop_assert_eq!(back.as_bytes(), &bytes);
        }

        #[test]
        fn recipient_round_trips(bytes in any::<[u8; 32]>()) {
            let r = VaultKey::from_bytes(bytes).recipient();
            prop_assert_eq!(r.to_string().parse::<Recipient>().unwrap(), r);
        }

        #[test]
        fn recovery_decoder_never_panics(s in "\\PC{0,120}") {
            let _ = VaultKey::from_recovery_key(&s);
            let _ = s.parse::<Recipient>();
        }
    }
}
