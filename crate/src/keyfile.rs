//! The key file: a keyring of vault keys protected by one passphrase.
//!
//! JSON, versioned (`docs/FORMAT.md` § Key file). The passphrase goes through
//! Argon2id with parameters stored in the file, so they can change later; each
//! key is sealed with AES-256-GCM under the derived key. Importing adds keys and
//! never replaces one.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::error::KeyError;
use crate::keys::{KeyId, Recipient, VAULT_KEY_SIZE, VaultKey, random_bytes};

/// The key file version this build writes and reads.
pub const KEYFILE_VERSION: u64 = 1;
const AAD_PREFIX: &[u8] = b"cloak keyfile v1";

/// Argon2id cost parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    /// Memory in KiB.
    pub m_cost_kib: u32,
    /// Passes.
    pub t_cost: u32,
    /// Lanes.
    pub p_cost: u32,
}

impl KdfParams {
    /// RFC 9106 §4, second recommended option: 64 MiB, 3 passes, 4 lanes.
    pub const RECOMMENDED: Self = Self {
        m_cost_kib: 64 * 1024,
        t_cost: 3,
        p_cost: 4,
    };
    /// Cheap parameters for this crate's unit tests only: no other build can
    /// make or open a file with them.
    #[cfg(test)]
    pub const INSECURE_TEST: Self = Self {
        m_cost_kib: 64,
        t_cost: 1,
        p_cost: 1,
    };
    /// Upper bound accepted when reading a file: stops a hostile file from
    /// demanding gigabytes of memory (4 GiB) or unbounded time.
    const MAX_M_COST_KIB: u32 = 4 * 1024 * 1024;
    const MAX_T_COST: u32 = 64;
    /// Lower bounds for reading and writing (FORMAT.md §5; OWASP's minimum for
    /// Argon2id): a file below them guesses too cheaply to protect a vault key.
    pub const MIN_M_COST_KIB: u32 = 19 * 1024;
    /// Fewest passes accepted.
    pub const MIN_T_COST: u32 = 2;

    fn is_weak(&self) -> bool {
        #[cfg(test)]
        if *self == Self::INSECURE_TEST {
            return false;
        }
        self.m_cost_kib < Self::MIN_M_COST_KIB || self.t_cost < Self::MIN_T_COST
    }

    fn derive(&self, passphrase: &[u8], salt: &[u8]) -> Result<Zeroizing<[u8; 32]>, KeyError> {
        if self.m_cost_kib > Self::MAX_M_COST_KIB || self.t_cost > Self::MAX_T_COST {
            return Err(KeyError::BadKdfParams(
                "cost beyond what Cloak accepts".into(),
            ));
        }
        if self.is_weak() {
            return Err(KeyError::WeakKdfParams {
                m_cost_kib: self.m_cost_kib,
                t_cost: self.t_cost,
            });
        }
        let params = Params::new(self.m_cost_kib, self.t_cost, self.p_cost, Some(32))
            .map_err(|e| KeyError::BadKdfParams(e.to_string()))?;
        let mut out = Zeroizing::new([0u8; 32]);
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password_into(passphrase, salt, out.as_mut())
            .map_err(|e| KeyError::BadKdfParams(e.to_string()))?;
        Ok(out)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Kdf {
    alg: String,
    #[serde(flatten)]
    params: KdfParams,
    salt: String,
}

/// One sealed vault key in the file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyEntry {
    /// The key id, hex (not secret).
    pub key_id: String,
    /// The matching public recipient (not secret).
    pub recipient: String,
    nonce: String,
    sealed: String,
}

/// A passphrase-protected keyring, as stored on disk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyFile {
    cloak_keyfile: u64,
    kdf: Kdf,
    /// The keys; the first is the default for encryption.
    pub keys: Vec<KeyEntry>,
}

fn decode_b64(s: &str, what: &str) -> Result<Vec<u8>, KeyError> {
    B64.decode(s)
        .map_err(|_| KeyError::BadKeyFile(format!("{what} is not base64")))
}

fn aad(key_id: &KeyId) -> Vec<u8> {
    [AAD_PREFIX, &key_id.0].concat()
}

impl KeyFile {
    /// Creates a key file holding `keys`, protected by `passphrase`.
    pub fn create(
        keys: &[VaultKey],
        passphrase: &[u8],
        params: KdfParams,
    ) -> Result<Self, KeyError> {
        let mut salt = [0u8; 16];
        random_bytes(&mut salt)?;
        let wrap = params.derive(passphrase, &salt)?;
        let mut file = Self {
            cloak_keyfile: KEYFILE_VERSION,
            kdf: Kdf {
                alg: "argon2id".into(),
                params,
                salt: B64.encode(salt),
            },
            keys: Vec::new(),
        };
        for k in keys {
            file.add_sealed(k, &wrap)?;
        }
        Ok(file)
    }

    fn add_sealed(&mut self, key: &VaultKey, wrap: &[u8; 32]) -> Result<bool, KeyError> {
        let id = key.key_id();
        if self.keys.iter().any(|e| e.key_id == id.to_string()) {
            return Ok(false);
        }
        let mut nonce = [0u8; 12];
        random_bytes(&mut nonce)?;
        let sealed = Aes256Gcm::new(&(*wrap).into())
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: key.as_bytes(),
                    aad: &aad(&id),
                },
            )
            .map_err(|_| KeyError::Random)?;
        self.keys.push(KeyEntry {
            key_id: id.to_string(),
            recipient: key.recipient().to_string(),
            nonce: B64.encode(nonce),
            sealed: B64.encode(sealed),
        });
        Ok(true)
    }

    fn wrap_key(&self, passphrase: &[u8]) -> Result<Zeroizing<[u8; 32]>, KeyError> {
        if self.kdf.alg != "argon2id" {
            return Err(KeyError::BadKeyFile(format!(
                "unknown KDF {:?}",
                self.kdf.alg
            )));
        }
        let salt = decode_b64(&self.kdf.salt, "salt")?;
        self.kdf.params.derive(passphrase, &salt)
    }

    /// Unlocks every key with `passphrase`.
    pub fn unlock(&self, passphrase: &[u8]) -> Result<Vec<VaultKey>, KeyError> {
        let wrap = self.wrap_key(passphrase)?;
        self.keys.iter().map(|e| open_entry(e, &wrap)).collect()
    }

    /// Adds `keys` that are not already present (importing never replaces a key).
    /// Returns how many were added.
    pub fn import(&mut self, passphrase: &[u8], keys: &[VaultKey]) -> Result<usize, KeyError> {
        let wrap = self.wrap_key(passphrase)?;
        // Prove the passphrase is right before adding anything under it.
        if let Some(first) = self.keys.first() {
            open_entry(first, &wrap)?;
        }
        let mut added = 0;
        for k in keys {
            added += usize::from(self.add_sealed(k, &wrap)?);
        }
        Ok(added)
    }

    /// Re-protects the keys under a new passphrase (fresh salt, given parameters).
    pub fn change_passphrase(
        &self,
        old: &[u8],
        new: &[u8],
        params: KdfParams,
    ) -> Result<Self, KeyError> {
        let keys = self.unlock(old)?;
        Self::create(&keys, new, params)
    }

    /// The Argon2id parameters stored in the file.
    pub fn kdf_params(&self) -> KdfParams {
        self.kdf.params
    }

    /// Serialises to pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Parses a key file.
    pub fn from_json(text: &str) -> Result<Self, KeyError> {
        #[derive(Deserialize)]
        struct Probe {
            cloak_keyfile: u64,
        }
        let probe: Probe = serde_json::from_str(text)
            .map_err(|_| KeyError::BadKeyFile("not a Cloak key file".into()))?;
        if probe.cloak_keyfile != KEYFILE_VERSION {
            return Err(KeyError::UnsupportedKeyFile(probe.cloak_keyfile));
        }
        let file: Self =
            serde_json::from_str(text).map_err(|e| KeyError::BadKeyFile(e.to_string()))?;
        for e in &file.keys {
            e.key_id.parse::<KeyId>()?;
            e.recipient.parse::<Recipient>()?;
        }
        Ok(file)
    }
}

fn open_entry(entry: &KeyEntry, wrap: &[u8; 32]) -> Result<VaultKey, KeyError> {
    let id: KeyId = entry.key_id.parse()?;
    let nonce: [u8; 12] = decode_b64(&entry.nonce, "nonce")?
        .try_into()
        .map_err(|_| KeyError::BadKeyFile("nonce has the wrong length".into()))?;
    let sealed = decode_b64(&entry.sealed, "sealed key")?;
    let plain = Zeroizing::new(
        Aes256Gcm::new(&(*wrap).into())
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: &sealed,
                    aad: &aad(&id),
                },
            )
            .map_err(|_| KeyError::WrongPassphrase)?,
    );
    let mut bytes = [0u8; VAULT_KEY_SIZE];
    if plain.len() != VAULT_KEY_SIZE {
        return Err(KeyError::BadKeyFile(
            "sealed key has the wrong length".into(),
        ));
    }
    bytes.copy_from_slice(&plain);
    let key = VaultKey::from_bytes(bytes);
    if key.key_id() != id {
        return Err(KeyError::BadKeyFile("key id does not match the key".into()));
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn create_unlock_import_change() {
        let a = VaultKey::from_bytes([1; 32]);
        let b = VaultKey::from_bytes([2; 32]);
        let mut f =
            KeyFile::create(std::slice::from_ref(&a), b"pw", KdfParams::INSECURE_TEST).unwrap();
        let f2 = KeyFile::from_json(&f.to_json()).unwrap();
        assert_eq!(f2, f);
        assert_eq!(f.unlock(b"pw").unwrap()[0].as_bytes(), a.as_bytes());
        assert_eq!(f.unlock(b"nope").err(), Some(KeyError::WrongPassphrase));
        assert_eq!(
            f.import(b"nope", std::slice::from_ref(&b)).err(),
            Some(KeyError::WrongPassphrase)
        );
        assert_eq!(f.import(b"pw", &[b.clone(), a.clone()]).unwrap(), 1);
        assert_eq!(f.keys.len(), 2);
        assert_eq!(
            f.keys[0].key_id,
            a.key_id().to_string(),
            "the default key never changes on import"
        );
        let g = f
            .change_passphrase(b"pw", b"new", KdfParams::INSECURE_TEST)
            .unwrap();
        assert_eq!(g.unlock(b"new").unwrap().len(), 2);
        assert!(g.unlock(b"pw").is_err());
    }

    #[test]
    fn rejects_hostile_files() {
        assert!(matches!(
            KeyFile::from_json("{}"),
            Err(KeyError::BadKeyFile(_))
        ));
        assert!(matches!(
            KeyFile::from_json(r#"{"cloak_keyfile":9}"#),
            Err(KeyError::UnsupportedKeyFile(9))
        ));
        let f = KeyFile::create(
            &[VaultKey::from_bytes([1; 32])],
            b"pw",
            KdfParams::INSECURE_TEST,
        )
        .unwrap();
        let greedy = f
            .to_json()
            .replace("\"m_cost_kib\": 64", "\"m_cost_kib\": 99999999");
        let greedy = KeyFile::from_json(&greedy).unwrap();
        assert!(matches!(
            greedy.unlock(b"pw"),
            Err(KeyError::BadKdfParams(_))
        ));
    }

    #[test]
    fn refuses_parameters_below_the_minimum() {
        let f = KeyFile::create(
            &[VaultKey::from_bytes([1; 32])],
            b"pw",
            KdfParams::INSECURE_TEST,
        )
        .unwrap();
        // 64 KiB with 2 passes: not the unit tests' own setting, and too weak.
        let weak = f.to_json().replace("\"t_cost\": 1", "\"t_cost\": 2");
        let err = KeyFile::from_json(&weak)
            .unwrap()
            .unlock(b"pw")
            .unwrap_err();
        assert!(
            matches!(
                err,
                KeyError::WeakKdfParams {
                    m_cost_kib: 64,
                    t_cost: 2
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("at least 19456 KiB"), "{err}");
        let one_pass = KdfParams {
            m_cost_kib: KdfParams::MIN_M_COST_KIB,
            t_cost: 1,
            p_cost: 1,
        };
        assert!(matches!(
            KeyFile::create(&[VaultKey::from_bytes([1; 32])], b"pw", one_pass),
            Err(KeyError::WeakKdfParams { .. })
        ));
    }

    #[test]
    fn recommended_params_are_rfc9106() {
        assert_eq!(
            KdfParams::RECOMMENDED,
            KdfParams {
                m_cost_kib: 65536,
                t_cost: 3,
                p_cost: 4
            }
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        #[test]
        fn wrapping_round_trips(key in any::<[u8; 32]>(), pw in proptest::collection::vec(any::<u8>(), 0..40)) {
            let k = VaultKey::from_bytes(key);
            let f = KeyFile::create(std::slice::from_ref(&k), &pw, KdfParams::INSECURE_TEST).unwrap();
            let back = KeyFile::from_json(&f.to_json()).unwrap().unlock(&pw).unwrap();
            prop_assert_eq!(back[0].as_bytes(), k.as_bytes());
        }

        #[test]
        fn parser_never_panics(s in "\\PC{0,300}") {
            let _ = KeyFile::from_json(&s);
        }
    }
}
