//! WebAssembly bindings (`wasm-bindgen`, `--target web`).
//!
//! For extension-origin contexts only: these objects hold keys. Errors reach
//! JavaScript as `Error`s with a stable `code` property (see `DecryptError::code`
//! and friends). Byte strings cross as `Uint8Array`s; metadata crosses as a plain
//! object `{name, type, mtime, size, padding}` through `serde-wasm-bindgen`.

use js_sys::{Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

use crate::hazmat::ChunkKeys;
use crate::keyfile::{KdfParams, KeyFile};
use crate::protocol::{self, ExternalSeal};
use crate::{
    DecryptError, Decryptor, EncryptError, EncryptOptions, Encryptor, KeyError, Keyring, Metadata,
    Recipient, VaultKey,
};

fn js_error(code: &str, message: &str) -> JsValue {
    let err = js_sys::Error::new(message);
    // Setting a property on a fresh Error cannot fail.
    let _ = Reflect::set(&err, &"code".into(), &code.into());
    err.into()
}

impl From<DecryptError> for JsValue {
    fn from(e: DecryptError) -> Self {
        js_error(e.code(), &e.to_string())
    }
}

impl From<EncryptError> for JsValue {
    fn from(e: EncryptError) -> Self {
        js_error(e.code(), &e.to_string())
    }
}

impl From<KeyError> for JsValue {
    fn from(e: KeyError) -> Self {
        js_error(e.code(), &e.to_string())
    }
}

fn bad_input(message: &str) -> JsValue {
    js_error("bad_input", message)
}

fn array<const N: usize>(bytes: &[u8], what: &str) -> Result<[u8; N], JsValue> {
    bytes
        .try_into()
        .map_err(|_| bad_input(&format!("{what} must be {N} bytes")))
}

fn set(obj: &Object, key: &str, value: &JsValue) {
    // Setting a property on a plain object cannot fail.
    let _ = Reflect::set(obj, &key.into(), value);
}

fn bytes(b: &[u8]) -> JsValue {
    Uint8Array::from(b).into()
}

fn whole_number(index: f64) -> Result<u64, JsValue> {
    if index.fract() != 0.0 || !(0.0..9.007_199_254_740_991e15).contains(&index) {
        return Err(bad_input("expected a non-negative integer"));
    }
    Ok(index as u64)
}

/// A vault key, held in WASM memory (zeroized when freed).
#[wasm_bindgen(js_name = VaultKey)]
pub struct WasmVaultKey(VaultKey);

#[wasm_bindgen(js_class = VaultKey)]
impl WasmVaultKey {
    /// A new random key.
    pub fn generate() -> Result<WasmVaultKey, JsValue> {
        Ok(Self(VaultKey::generate()?))
    }

    /// A key from its recovery key (case, spaces and dashes ignored).
    #[wasm_bindgen(js_name = fromRecoveryKey)]
    pub fn from_recovery_key(text: &str) -> Result<WasmVaultKey, JsValue> {
        Ok(Self(VaultKey::from_recovery_key(text)?))
    }

    /// A key from its 32 raw bytes (e.g. from `storage.session`).
    #[wasm_bindgen(js_name = fromBytes)]
    pub fn from_bytes(raw: &[u8]) -> Result<WasmVaultKey, JsValue> {
        Ok(Self(VaultKey::from_bytes(array(raw, "a vault key")?)))
    }

    /// The 32 raw bytes. Extension contexts only.
    #[wasm_bindgen(js_name = toBytes)]
    pub fn to_bytes(&self) -> Uint8Array {
        Uint8Array::from(&self.0.as_bytes()[..])
    }

    /// The recovery key text.
    #[wasm_bindgen(js_name = recoveryKey)]
    pub fn recovery_key(&self) -> String {
        self.0.recovery_key().to_string()
    }

    /// The key id (32 hex digits).
    #[wasm_bindgen(js_name = keyId)]
    pub fn key_id(&self) -> String {
        self.0.key_id().to_string()
    }

    /// The public recipient string (`cloak1…`).
    pub fn recipient(&self) -> String {
        self.0.recipient().to_string()
    }

    /// A copy (the original stays usable).
    #[wasm_bindgen(js_name = clone)]
    pub fn duplicate(&self) -> WasmVaultKey {
        Self(self.0.clone())
    }
}

fn keys_of(keys: &[WasmVaultKey]) -> Vec<VaultKey> {
    keys.iter().map(|k| k.0.clone()).collect()
}

/// Checks a recipient string; returns it normalised or throws `bad_recipient`.
#[wasm_bindgen(js_name = parseRecipient)]
pub fn parse_recipient(text: &str) -> Result<String, JsValue> {
    Ok(text.parse::<Recipient>()?.to_string())
}

/// Creates a key file (JSON) protecting `keys` with `passphrase` (Argon2id,
/// RFC 9106 second recommended setting unless `params` `{m_cost_kib, t_cost, p_cost}`).
#[wasm_bindgen(js_name = createKeyFile)]
pub fn create_key_file(
    keys: Vec<WasmVaultKey>,
    passphrase: &str,
    params: JsValue,
) -> Result<String, JsValue> {
    let params = if params.is_undefined() || params.is_null() {
        KdfParams::RECOMMENDED
    } else {
        serde_wasm_bindgen::from_value(params).map_err(|e| bad_input(&e.to_string()))?
    };
    Ok(KeyFile::create(&keys_of(&keys), passphrase, params)?.to_json())
}

/// Unlocks every key in a key file.
#[wasm_bindgen(js_name = unlockKeyFile)]
pub fn unlock_key_file(json: &str, passphrase: &str) -> Result<Vec<WasmVaultKey>, JsValue> {
    let keys = KeyFile::from_json(json)?.unlock(passphrase)?;
    Ok(keys.into_iter().map(WasmVaultKey).collect())
}

/// Adds keys to a key file (never replacing one); returns the new JSON.
#[wasm_bindgen(js_name = importIntoKeyFile)]
pub fn import_into_key_file(
    json: &str,
    passphrase: &str,
    keys: Vec<WasmVaultKey>,
) -> Result<String, JsValue> {
    let mut file = KeyFile::from_json(json)?;
    file.import(passphrase, &keys_of(&keys))?;
    Ok(file.to_json())
}

/// Re-protects a key file under a new passphrase; returns the new JSON.
#[wasm_bindgen(js_name = changeKeyFilePassphrase)]
pub fn change_key_file_passphrase(json: &str, old: &str, new: &str) -> Result<String, JsValue> {
    let file = KeyFile::from_json(json)?;
    let params = file.kdf_params();
    Ok(file.change_passphrase(old, new, params)?.to_json())
}

/// For a key file written before passphrases were prepared (FORMAT.md §5):
/// the same keys under the prepared passphrase, as JSON, to store in its
/// place; `undefined` when the file needs no rewrite.
#[wasm_bindgen(js_name = upgradeKeyFile)]
pub fn upgrade_key_file(json: &str, passphrase: &str) -> Result<Option<String>, JsValue> {
    Ok(KeyFile::from_json(json)?
        .upgraded(passphrase)?
        .map(|f| f.to_json()))
}

/// The strength of a new passphrase, `{score, ok, warning?, suggestions}`,
/// by the estimator and threshold the CLI uses (crate::strength).
#[wasm_bindgen(js_name = passphraseStrength)]
pub fn passphrase_strength(passphrase: &str) -> Object {
    let s = crate::passphrase_strength(passphrase);
    let o = Object::new();
    set(&o, "score", &f64::from(s.score).into());
    set(&o, "ok", &s.ok.into());
    if let Some(w) = s.warning {
        set(&o, "warning", &w.into());
    }
    let hints = js_sys::Array::new();
    for h in s.suggestions {
        hints.push(&h.into());
    }
    set(&o, "suggestions", &hints);
    o
}

/// Key rotation: the key file with `key` added and made the default for new
/// files (every other key kept, to decrypt).
#[wasm_bindgen(js_name = rotateKeyFile)]
pub fn rotate_key_file(
    json: &str,
    passphrase: &str,
    key: &WasmVaultKey,
) -> Result<String, JsValue> {
    let mut file = KeyFile::from_json(json)?;
    file.rotate(passphrase, &key.0)?;
    Ok(file.to_json())
}

/// The key file without the key `key_id` (never its last key).
#[wasm_bindgen(js_name = removeFromKeyFile)]
pub fn remove_from_key_file(json: &str, key_id: &str) -> Result<String, JsValue> {
    let mut file = KeyFile::from_json(json)?;
    file.remove(key_id)?;
    Ok(file.to_json())
}

/// A QR code of `text` (a recovery key) as an SVG document, for the printable
/// recovery kit; the page shows it, the key never leaves the extension.
#[wasm_bindgen(js_name = recoveryQrSvg)]
pub fn recovery_qr_svg(text: &str) -> Result<String, JsValue> {
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| bad_input(&e.to_string()))?;
    Ok(code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(240, 240)
        .quiet_zone(true)
        .build())
}

/// Public facts about a key file: `[{keyId, recipient, default}]`, no
/// passphrase needed.
#[wasm_bindgen(js_name = describeKeyFile)]
pub fn describe_key_file(json: &str) -> Result<js_sys::Array, JsValue> {
    let file = KeyFile::from_json(json)?;
    let out = js_sys::Array::new();
    let default_id = file.default_key_id();
    for e in &file.keys {
        let o = Object::new();
        set(&o, "keyId", &e.key_id.clone().into());
        set(&o, "recipient", &e.recipient.clone().into());
        set(
            &o,
            "default",
            &(Some(e.key_id.as_str()) == default_id).into(),
        );
        out.push(&o);
    }
    Ok(out)
}

fn metadata_from(value: JsValue) -> Result<Metadata, JsValue> {
    serde_wasm_bindgen::from_value(value).map_err(|e| bad_input(&format!("metadata: {e}")))
}

fn metadata_to(meta: &Metadata) -> JsValue {
    serde_wasm_bindgen::to_value(meta).unwrap_or(JsValue::UNDEFINED)
}

fn parse_recipients(recipients: Vec<String>) -> Result<Vec<Recipient>, JsValue> {
    recipients
        .iter()
        .map(|r| r.parse::<Recipient>().map_err(JsValue::from))
        .collect()
}

/// The exact `.cloak` size for a content of `size` bytes, before encrypting.
#[wasm_bindgen(js_name = ciphertextLength)]
pub fn ciphertext_length(
    size: f64,
    metadata: JsValue,
    vault_keys: usize,
    recipients: usize,
    pad: bool,
) -> Result<f64, JsValue> {
    let mut meta = metadata_from(metadata)?;
    let size = whole_number(size)?;
    meta.size = Some(size);
    let meta = protocol::padded_metadata(&meta, pad)?;
    let region = meta.region_len()?;
    let header = crate::format::header_len(vault_keys, recipients);
    Ok(protocol::ciphertext_len(size, region, header, meta.padding) as f64)
}

/// Streaming encryption: `new`, then `head()`, `push()`… and `finish()`.
#[wasm_bindgen(js_name = Encryptor)]
pub struct WasmEncryptor {
    inner: Option<Encryptor>,
    head: Vec<u8>,
}

#[wasm_bindgen(js_class = Encryptor)]
impl WasmEncryptor {
    /// Starts a file for `vaultKeys` and `recipients` (`cloak1…` strings).
    #[wasm_bindgen(constructor)]
    pub fn new(
        vault_keys: Vec<WasmVaultKey>,
        recipients: Vec<String>,
        metadata: JsValue,
        pad: bool,
    ) -> Result<WasmEncryptor, JsValue> {
        let recipients = parse_recipients(recipients)?;
        let refs: Vec<&VaultKey> = vault_keys.iter().map(|k| &k.0).collect();
        let meta = metadata_from(metadata)?;
        let (inner, head) = Encryptor::new(&refs, &recipients, &meta, &EncryptOptions { pad })?;
        Ok(Self {
            inner: Some(inner),
            head,
        })
    }

    /// The first bytes of the file: header, salt, commitment and the start of chunk 0.
    pub fn head(&mut self) -> Uint8Array {
        Uint8Array::from(&std::mem::take(&mut self.head)[..])
    }

    /// The whole file's length, when the size was declared.
    #[wasm_bindgen(js_name = expectedLength)]
    pub fn expected_length(&self) -> Option<f64> {
        self.inner.as_ref()?.expected_len().map(|l| l as f64)
    }

    /// Encrypts the next content bytes; returns the completed chunks.
    pub fn push(&mut self, data: &[u8]) -> Result<Uint8Array, JsValue> {
        let enc = self
            .inner
            .as_mut()
            .ok_or_else(|| bad_input("encryptor already finished"))?;
        let mut out = Vec::with_capacity(data.len() + data.len() / 1024 + 64);
        enc.push(data, &mut out)?;
        Ok(Uint8Array::from(&out[..]))
    }

    /// Seals the final chunk; the encryptor cannot be used afterwards.
    pub fn finish(&mut self) -> Result<Uint8Array, JsValue> {
        let enc = self
            .inner
            .take()
            .ok_or_else(|| bad_input("encryptor already finished"))?;
        let mut out = Vec::new();
        enc.finish(&mut out)?;
        Ok(Uint8Array::from(&out[..]))
    }
}

/// Streaming decryption. Output of `push` is authenticated but MUST be treated as
/// incomplete until `finish()` returns without throwing.
#[wasm_bindgen(js_name = Decryptor)]
pub struct WasmDecryptor {
    inner: Option<Decryptor>,
    metadata: Option<Metadata>,
}

#[wasm_bindgen(js_class = Decryptor)]
impl WasmDecryptor {
    /// A decryptor trying `keys`.
    #[wasm_bindgen(constructor)]
    pub fn new(keys: Vec<WasmVaultKey>) -> WasmDecryptor {
        Self {
            inner: Some(Decryptor::new(Keyring::new(keys_of(&keys)))),
            metadata: None,
        }
    }

    /// Feeds ciphertext; returns authenticated content.
    pub fn push(&mut self, data: &[u8]) -> Result<Uint8Array, JsValue> {
        let dec = self
            .inner
            .as_mut()
            .ok_or_else(|| bad_input("decryptor already finished"))?;
        let mut out = Vec::with_capacity(data.len());
        dec.push(data, &mut out)?;
        Ok(Uint8Array::from(&out[..]))
    }

    /// The authenticated metadata once known (after the first chunk), else `undefined`.
    pub fn metadata(&self) -> JsValue {
        match (
            &self.metadata,
            self.inner.as_ref().and_then(Decryptor::metadata),
        ) {
            (Some(m), _) | (None, Some(m)) => metadata_to(m),
            _ => JsValue::UNDEFINED,
        }
    }

    /// Verifies the end of the file; returns the last content bytes.
    pub fn finish(&mut self) -> Result<Uint8Array, JsValue> {
        let dec = self
            .inner
            .take()
            .ok_or_else(|| bad_input("decryptor already finished"))?;
        let mut out = Vec::new();
        self.metadata = Some(dec.finish(&mut out)?);
        Ok(Uint8Array::from(&out[..]))
    }
}

fn chunk_keys_object(keys: &ChunkKeys) -> Object {
    let o = Object::new();
    set(&o, "key", &bytes(keys.key_bytes()));
    set(&o, "baseNonce", &bytes(keys.base_nonce()));
    o
}

/// Prepares a file for an external AES-GCM engine (WebCrypto): returns
/// `{head, key, baseNonce, metadataRegion, padding, totalLength}`. Seal
/// `metadataRegion ‖ content ‖ padding zero bytes` in 16 KiB chunks, nonce
/// `chunkNonce(baseNonce, i)`, empty AAD, the last chunk shorter than 16 KiB.
#[wasm_bindgen(js_name = planEncryption)]
pub fn plan_encryption(
    vault_keys: Vec<WasmVaultKey>,
    recipients: Vec<String>,
    metadata: JsValue,
    pad: bool,
) -> Result<Object, JsValue> {
    let recipients = parse_recipients(recipients)?;
    let refs: Vec<&VaultKey> = vault_keys.iter().map(|k| &k.0).collect();
    let plan = ExternalSeal::new(
        &refs,
        &recipients,
        &metadata_from(metadata)?,
        &EncryptOptions { pad },
    )?;
    let o = chunk_keys_object(&plan.keys);
    set(&o, "head", &bytes(&plan.head));
    set(&o, "metadataRegion", &bytes(&plan.metadata_region));
    set(&o, "padding", &(plan.padding as f64).into());
    set(
        &o,
        "totalLength",
        &plan
            .total_len
            .map_or(JsValue::UNDEFINED, |l| (l as f64).into()),
    );
    Ok(o)
}

/// Opens a header for an external engine: `undefined` while more bytes are
/// needed, else `{headerLength, key, baseNonce}` (commitment already checked).
#[wasm_bindgen(js_name = openHeader)]
pub fn open_header(data: &[u8], keys: Vec<WasmVaultKey>) -> Result<JsValue, JsValue> {
    match protocol::open_external(data, &Keyring::new(keys_of(&keys)))? {
        None => Ok(JsValue::UNDEFINED),
        Some((len, chunk_keys)) => {
            let o = chunk_keys_object(&chunk_keys);
            set(&o, "headerLength", &(len as f64).into());
            Ok(o.into())
        }
    }
}

/// Parses a decrypted metadata region (from chunk 0's plaintext): `undefined`
/// while incomplete, else `{metadata, regionLength}`.
#[wasm_bindgen(js_name = decodeMetadataRegion)]
pub fn decode_metadata_region(plain: &[u8]) -> Result<JsValue, JsValue> {
    match Metadata::decode_region(plain)? {
        None => Ok(JsValue::UNDEFINED),
        Some((meta, len)) => {
            let o = Object::new();
            set(&o, "metadata", &metadata_to(&meta));
            set(&o, "regionLength", &(len as f64).into());
            Ok(o.into())
        }
    }
}

/// Turns an attacker-chosen file name into one safe path component.
#[wasm_bindgen(js_name = safeFileName)]
pub fn safe_file_name(name: &str) -> String {
    crate::safe_file_name(name)
}

/// Where to save a decrypted file, relative to the download folder: the
/// metadata's hidden `folder` (FORMAT §3.1) and `name`, every component made
/// safe ([`crate::name::safe_folders`]), joined with `/`.
#[wasm_bindgen(js_name = safeRelativePath)]
pub fn safe_relative_path(folder: &str, name: &str) -> String {
    let mut parts = crate::name::safe_folders(folder);
    parts.push(crate::safe_file_name(name));
    parts.join("/")
}

/// Chunk-level primitives for the vector harness (tests/wasm/harness.js) only:
/// built into the test bundle (`wasm-test-exports`), never into the bundle the
/// extension ships, which holds keys and needs none of them.
#[cfg(feature = "wasm-test-exports")]
mod test_exports {
    use super::*;
    use crate::hazmat::{KEY_SIZE, NONCE_SIZE, SALT_SIZE};

    /// Derives `{key, baseNonce, commitment}` from an input key, salt and context
    /// (Cobblestone-256 key derivation).
    #[wasm_bindgen(js_name = deriveChunkKeys)]
    pub fn derive_chunk_keys(
        input_key: &[u8],
        salt: &[u8],
        context: &[u8],
    ) -> Result<Object, JsValue> {
        let (keys, commitment) = crate::hazmat::derive(
            &array::<KEY_SIZE>(input_key, "input key")?,
            &array::<SALT_SIZE>(salt, "salt")?,
            context,
        );
        let o = chunk_keys_object(&keys);
        set(&o, "commitment", &bytes(&commitment));
        Ok(o)
    }

    fn keys_from(key: &[u8], base_nonce: &[u8]) -> Result<ChunkKeys, JsValue> {
        Ok(ChunkKeys::from_parts(
            array::<KEY_SIZE>(key, "key")?,
            array::<NONCE_SIZE>(base_nonce, "base nonce")?,
        ))
    }

    /// The nonce of chunk `index` (throws `counter_overflow` at 2³⁸).
    #[wasm_bindgen(js_name = chunkNonce)]
    pub fn chunk_nonce(base_nonce: &[u8], index: f64) -> Result<Uint8Array, JsValue> {
        let keys = keys_from(&[0; KEY_SIZE], base_nonce)?;
        let nonce = keys
            .nonce(whole_number(index)?)
            .map_err(|e| js_error("counter_overflow", &e.to_string()))?;
        Ok(Uint8Array::from(&nonce[..]))
    }

    /// Seals chunk `index` with the crate's own AES-256-GCM engine (the reference).
    #[wasm_bindgen(js_name = sealChunk)]
    pub fn seal_chunk(
        key: &[u8],
        base_nonce: &[u8],
        index: f64,
        plaintext: &[u8],
    ) -> Result<Uint8Array, JsValue> {
        let sealed = keys_from(key, base_nonce)?
            .seal(whole_number(index)?, plaintext)
            .map_err(|e| js_error("chunk_error", &e.to_string()))?;
        Ok(Uint8Array::from(&sealed[..]))
    }

    /// Opens chunk `index` with the crate's own engine (throws `chunk_unauthentic`).
    #[wasm_bindgen(js_name = openChunk)]
    pub fn open_chunk(
        key: &[u8],
        base_nonce: &[u8],
        index: f64,
        sealed: &[u8],
    ) -> Result<Uint8Array, JsValue> {
        let plain = keys_from(key, base_nonce)?
            .open(whole_number(index)?, sealed)
            .map_err(|e| js_error("chunk_unauthentic", &e.to_string()))?;
        Ok(Uint8Array::from(&plain[..]))
    }
}
