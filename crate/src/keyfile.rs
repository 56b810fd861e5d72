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
    /// How the passphrase became bytes: [`PREPARED`], or absent in files
    /// written before Cloak prepared passphrases (their exact UTF-8 bytes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    passphrase: Option<String>,
}

/// The `kdf.passphrase` value of files whose passphrase went through
/// [`prepare_passphrase`] (FORMAT.md §5).
pub const PREPARED: &str = "nfc";

/// RFC 8265's OpaqueString profile (NFC, non-ASCII spaces as U+0020, no
/// control or unassigned code points), so that the same passphrase typed on
/// another keyboard or system gives the same bytes.
pub fn prepare_passphrase(passphrase: &str) -> Result<Zeroizing<String>, KeyError> {
    use precis_core::profile::Profile;
    precis_profiles::OpaqueString::new()
        .enforce(passphrase)
        .map(|p| Zeroizing::new(p.into_owned()))
        .map_err(|e| match e {
            precis_core::Error::Invalid => KeyError::BadPassphrase("it is empty".into()),
            other => KeyError::BadPassphrase(format!(
                "it has a character that cannot be used ({other:?})"
            )),
        })
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
    /// The key new files are encrypted to; absent: the first entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    default_key_id: Option<String>,
    /// The keys, in the order they were added.
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
    /// Creates a key file holding `keys`, protected by `passphrase` (prepared
    /// with [`prepare_passphrase`]).
    pub fn create(
        keys: &[VaultKey],
        passphrase: &str,
        params: KdfParams,
    ) -> Result<Self, KeyError> {
        let prepared = prepare_passphrase(passphrase)?;
        let mut salt = [0u8; 16];
        random_bytes(&mut salt)?;
        let wrap = params.derive(prepared.as_bytes(), &salt)?;
        let mut file = Self {
            cloak_keyfile: KEYFILE_VERSION,
            kdf: Kdf {
                alg: "argon2id".into(),
                params,
                salt: B64.encode(salt),
                passphrase: Some(PREPARED.into()),
            },
            default_key_id: None,
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

    /// The wrapping key `passphrase` gives, proven on the first entry. A file
    /// without `kdf.passphrase` is tried with the exact bytes first, then with
    /// the prepared form (FORMAT.md §5).
    fn working_wrap(&self, passphrase: &str) -> Result<Zeroizing<[u8; 32]>, KeyError> {
        match self.kdf.passphrase.as_deref() {
            Some(PREPARED) => {
                let prepared = prepare_passphrase(passphrase)?;
                self.first_that_opens(&[prepared.as_bytes()])
            }
            Some(other) => Err(KeyError::BadKeyFile(format!(
                "unknown passphrase preparation {other:?}"
            ))),
            None => {
                // Older writers used whatever bytes the keyboard produced: the
                // exact input, then its prepared (NFC) and decomposed (NFD)
                // forms, so a file made on a system that types NFD still opens.
                use unicode_normalization::UnicodeNormalization;
                let prepared = prepare_passphrase(passphrase).ok();
                let nfd = Zeroizing::new(passphrase.nfd().collect::<String>());
                let mut candidates: Vec<&[u8]> = vec![passphrase.as_bytes()];
                for alt in [
                    prepared.as_ref().map(|p| p.as_bytes()),
                    Some(nfd.as_bytes()),
                ]
                .into_iter()
                .flatten()
                {
                    if !candidates.contains(&alt) {
                        candidates.push(alt);
                    }
                }
                self.first_that_opens(&candidates)
            }
        }
    }

    fn first_that_opens(&self, candidates: &[&[u8]]) -> Result<Zeroizing<[u8; 32]>, KeyError> {
        let mut last = KeyError::WrongPassphrase;
        for candidate in candidates {
            let wrap = self.wrap_key(candidate)?;
            match self.keys.first().map(|first| open_entry(first, &wrap)) {
                None | Some(Ok(_)) => return Ok(wrap),
                Some(Err(e)) => last = e,
            }
        }
        Err(last)
    }

    /// Unlocks every key with `passphrase`: the default key first, then the
    /// others in file order.
    pub fn unlock(&self, passphrase: &str) -> Result<Vec<VaultKey>, KeyError> {
        let mut keys = self.unlock_in_file_order(passphrase)?;
        if let Some(i) = self.default_index() {
            keys[..=i].rotate_right(1);
        }
        Ok(keys)
    }

    fn unlock_in_file_order(&self, passphrase: &str) -> Result<Vec<VaultKey>, KeyError> {
        let wrap = self.working_wrap(passphrase)?;
        self.keys.iter().map(|e| open_entry(e, &wrap)).collect()
    }

    fn default_index(&self) -> Option<usize> {
        match &self.default_key_id {
            Some(id) => self.keys.iter().position(|e| &e.key_id == id),
            None => (!self.keys.is_empty()).then_some(0),
        }
    }

    /// The id of the key new files are encrypted to.
    pub fn default_key_id(&self) -> Option<&str> {
        self.default_index().map(|i| self.keys[i].key_id.as_str())
    }

    /// Key rotation: adds `key` (if new) and makes it the default for new
    /// files; every other key stays, to decrypt what was made with it.
    pub fn rotate(&mut self, passphrase: &str, key: &VaultKey) -> Result<(), KeyError> {
        self.import(passphrase, std::slice::from_ref(key))?;
        self.default_key_id = Some(key.key_id().to_string());
        Ok(())
    }

    /// Deletes the key `key_id` (the user confirmed what becomes unreadable).
    /// The last key is never deleted; a deleted default passes to the first
    /// remaining key.
    pub fn remove(&mut self, key_id: &str) -> Result<(), KeyError> {
        let Some(i) = self.keys.iter().position(|e| e.key_id == key_id) else {
            return Err(KeyError::BadKeyFile(format!(
                "no key {key_id} in the key file"
            )));
        };
        if self.keys.len() == 1 {
            return Err(KeyError::BadKeyFile(
                "the key file's only key cannot be deleted".into(),
            ));
        }
        self.keys.remove(i);
        if self.default_key_id.as_deref() == Some(key_id) {
            self.default_key_id = None;
        }
        Ok(())
    }

    /// Whether the file predates prepared passphrases: after a successful
    /// unlock, [`KeyFile::upgraded`] rewrites it.
    pub fn needs_upgrade(&self) -> bool {
        self.kdf.passphrase.is_none()
    }

    /// For a file without `kdf.passphrase`: the same keys, in the same order,
    /// under the prepared passphrase (same parameters, fresh salt). `None` when
    /// the file needs no rewrite.
    pub fn upgraded(&self, passphrase: &str) -> Result<Option<Self>, KeyError> {
        if !self.needs_upgrade() {
            return Ok(None);
        }
        self.recreated(passphrase, passphrase, self.kdf.params)
            .map(Some)
    }

    /// The same keys, in the same order and with the same default, under `new`.
    fn recreated(&self, old: &str, new: &str, params: KdfParams) -> Result<Self, KeyError> {
        let default = self.default_key_id.clone();
        let keys = self.unlock_in_file_order(old)?;
        let mut file = Self::create(&keys, new, params)?;
        file.default_key_id = default;
        Ok(file)
    }

    /// Adds `keys` that are not already present (importing never replaces a key).
    /// Returns how many were added.
    pub fn import(&mut self, passphrase: &str, keys: &[VaultKey]) -> Result<usize, KeyError> {
        // Proves the passphrase is right before adding anything under it.
        let wrap = self.working_wrap(passphrase)?;
        let mut added = 0;
        for k in keys {
            added += usize::from(self.add_sealed(k, &wrap)?);
        }
        Ok(added)
    }

    /// Re-protects the keys under a new passphrase (fresh salt, given parameters).
    pub fn change_passphrase(
        &self,
        old: &str,
        new: &str,
        params: KdfParams,
    ) -> Result<Self, KeyError> {
        self.recreated(old, new, params)
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
        if file.default_key_id.is_some() && file.default_index().is_none() {
            return Err(KeyError::BadKeyFile(
                "default_key_id names no key in the file".into(),
            ));
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
            KeyFile::create(std::slice::from_ref(&a), "pw", KdfParams::INSECURE_TEST).unwrap();
        let f2 = KeyFile::from_json(&f.to_json()).unwrap();
        assert_eq!(f2, f);
        assert_eq!(f.unlock("pw").unwrap()[0].as_bytes(), a.as_bytes());
        assert_eq!(f.unlock("nope").err(), Some(KeyError::WrongPassphrase));
        assert_eq!(
            f.import("nope", std::slice::from_ref(&b)).err(),
            Some(KeyError::WrongPassphrase)
        );
        assert_eq!(f.import("pw", &[b.clone(), a.clone()]).unwrap(), 1);
        assert_eq!(f.keys.len(), 2);
        assert_eq!(
            f.keys[0].key_id,
            a.key_id().to_string(),
            "the default key never changes on import"
        );
        let g = f
            .change_passphrase("pw", "new", KdfParams::INSECURE_TEST)
            .unwrap();
        assert_eq!(g.unlock("new").unwrap().len(), 2);
        assert!(g.unlock("pw").is_err());
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
            "pw",
            KdfParams::INSECURE_TEST,
        )
        .unwrap();
        let greedy = f
            .to_json()
            .replace("\"m_cost_kib\": 64", "\"m_cost_kib\": 99999999");
        let greedy = KeyFile::from_json(&greedy).unwrap();
        assert!(matches!(
            greedy.unlock("pw"),
            Err(KeyError::BadKdfParams(_))
        ));
    }

    /// A file as writers before prepared passphrases made it: wrapped under
    /// the passphrase's exact bytes, without `kdf.passphrase`.
    fn legacy(keys: &[VaultKey], raw: &[u8]) -> KeyFile {
        let mut f = KeyFile::create(keys, "placeholder", KdfParams::INSECURE_TEST).unwrap();
        f.kdf.passphrase = None;
        let wrap = f.wrap_key(raw).unwrap();
        f.keys.clear();
        for k in keys {
            f.add_sealed(k, &wrap).unwrap();
        }
        f
    }

    const NFC: &str = "Ångström café\u{00a0}clé";
    const NFD: &str = "A\u{030a}ngstro\u{0308}m cafe\u{0301}\u{00a0}cle\u{0301}";

    #[test]
    fn passphrases_are_prepared_as_opaque_strings() {
        assert_ne!(NFC.as_bytes(), NFD.as_bytes());
        let prepared = prepare_passphrase(NFD).unwrap();
        assert_eq!(
            prepared.as_str(),
            "Ångström café clé",
            "NFC, and U+00A0 became U+0020"
        );
        assert_eq!(prepare_passphrase(NFC).unwrap().as_str(), prepared.as_str());
        assert!(matches!(
            prepare_passphrase(""),
            Err(KeyError::BadPassphrase(_))
        ));
        assert!(matches!(
            prepare_passphrase("tab\there"),
            Err(KeyError::BadPassphrase(_))
        ));
        let k = VaultKey::from_bytes([5; 32]);
        let f = KeyFile::create(std::slice::from_ref(&k), NFD, KdfParams::INSECURE_TEST).unwrap();
        assert!(f.to_json().contains("\"passphrase\": \"nfc\""));
        assert!(!f.needs_upgrade());
        for form in [NFC, NFD] {
            assert_eq!(f.unlock(form).unwrap()[0].as_bytes(), k.as_bytes());
        }
        assert!(matches!(
            f.unlock("Angstrom cafe cle"),
            Err(KeyError::WrongPassphrase)
        ));
    }

    #[test]
    fn a_legacy_file_opens_with_either_form_before_and_after_the_rewrite() {
        let a = VaultKey::from_bytes([6; 32]);
        let b = VaultKey::from_bytes([7; 32]);
        let old = legacy(&[a.clone(), b.clone()], NFD.as_bytes());
        let old = KeyFile::from_json(&old.to_json()).unwrap();
        assert!(old.needs_upgrade());
        for form in [NFD, NFC] {
            assert_eq!(old.unlock(form).unwrap().len(), 2, "{form:?}");
        }
        assert!(matches!(
            old.unlock("wrong"),
            Err(KeyError::WrongPassphrase)
        ));
        let new = old.upgraded(NFC).unwrap().unwrap();
        assert!(!new.needs_upgrade());
        assert_eq!(new.kdf_params(), old.kdf_params());
        let ids: Vec<_> = new.keys.iter().map(|e| e.key_id.clone()).collect();
        assert_eq!(
            ids,
            old.keys
                .iter()
                .map(|e| e.key_id.clone())
                .collect::<Vec<_>>(),
            "same keys, same order"
        );
        for form in [NFD, NFC] {
            assert_eq!(new.unlock(form).unwrap().len(), 2, "{form:?}");
        }
        assert!(new.upgraded(NFC).unwrap().is_none());
        // An unknown preparation is refused, not guessed.
        let odd = new
            .to_json()
            .replace("\"passphrase\": \"nfc\"", "\"passphrase\": \"nfkc\"");
        assert!(matches!(
            KeyFile::from_json(&odd).unwrap().unlock(NFC),
            Err(KeyError::BadKeyFile(_))
        ));
    }

    #[test]
    fn rotation_adds_a_default_and_keeps_every_key() {
        let a = VaultKey::from_bytes([1; 32]);
        let b = VaultKey::from_bytes([2; 32]);
        let mut f =
            KeyFile::create(std::slice::from_ref(&a), "pw", KdfParams::INSECURE_TEST).unwrap();
        assert_eq!(f.default_key_id(), Some(a.key_id().to_string().as_str()));
        assert!(
            !f.to_json().contains("default_key_id"),
            "readers without it use the first entry"
        );
        assert!(f.rotate("wrong", &b).is_err());
        f.rotate("pw", &b).unwrap();
        let f = KeyFile::from_json(&f.to_json()).unwrap();
        assert_eq!(f.default_key_id(), Some(b.key_id().to_string().as_str()));
        let keys = f.unlock("pw").unwrap();
        assert_eq!(
            keys.iter().map(|k| k.key_id()).collect::<Vec<_>>(),
            [b.key_id(), a.key_id()],
            "default first"
        );
        assert_eq!(
            f.keys[0].key_id,
            a.key_id().to_string(),
            "the file keeps its order"
        );
        let g = f
            .change_passphrase("pw", "new", KdfParams::INSECURE_TEST)
            .unwrap();
        assert_eq!(
            g.default_key_id(),
            f.default_key_id(),
            "a new passphrase keeps the default"
        );
        assert_eq!(g.keys[0].key_id, a.key_id().to_string());
        let mut h = g.clone();
        h.remove(&b.key_id().to_string()).unwrap();
        assert_eq!(h.default_key_id(), Some(a.key_id().to_string().as_str()));
        assert!(
            h.remove(&a.key_id().to_string()).is_err(),
            "never the last key"
        );
        let dangling = g.to_json().replace(
            &format!("\"default_key_id\": \"{}\"", b.key_id()),
            &format!("\"default_key_id\": \"{}\"", "0".repeat(32)),
        );
        assert_ne!(dangling, g.to_json());
        assert!(KeyFile::from_json(&dangling).is_err());
    }

    #[test]
    fn refuses_parameters_below_the_minimum() {
        let f = KeyFile::create(
            &[VaultKey::from_bytes([1; 32])],
            "pw",
            KdfParams::INSECURE_TEST,
        )
        .unwrap();
        // 64 KiB with 2 passes: not the unit tests' own setting, and too weak.
        let weak = f.to_json().replace("\"t_cost\": 1", "\"t_cost\": 2");
        let err = KeyFile::from_json(&weak).unwrap().unlock("pw").unwrap_err();
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
            KeyFile::create(&[VaultKey::from_bytes([1; 32])], "pw", one_pass),
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
        fn wrapping_round_trips(key in any::<[u8; 32]>(), pw in "[a-zA-Z0-9]{1,40}") {
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
