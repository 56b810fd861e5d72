//! The whole-file protocol: header, key stanzas, metadata and payload.
//!
//! ```text
//! file      = header ‖ salt ‖ commitment ‖ chunks        (Cobblestone-256)
//! context   = header bytes                               (binds the header)
//! plaintext = metadata region ‖ content ‖ zero padding
//! ```

use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce, Tag};
use hkdf::Hkdf;
use hpke::aead::AesGcm256;
use hpke::kdf::HkdfSha256;
use hpke::kem::X25519HkdfSha256;
use hpke::{Deserializable, OpModeR, OpModeS, Serializable};
use sha2::Sha256;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::error::{DecryptError, EncryptError};
use crate::format::{
    self, Header, MAX_STANZAS, Stanza, VAULT_SALT_SIZE, WRAPPED_KEY_SIZE, read::parse_header,
};
use crate::hazmat::{ChunkKeys, KEY_SIZE, SALT_SIZE, SEALED_CHUNK_SIZE};
use crate::keys::{Identity, KeyId, Recipient, VaultKey, random_bytes};
use crate::metadata::{Metadata, padme};
use crate::stream::{PREFIX_SIZE, StreamDecryptor, StreamEncryptor, StreamError, open_prefix};

/// HPKE `info` for X25519 stanzas.
pub const HPKE_INFO: &[u8] = b"cloak/v1 x25519";
/// HKDF `info` for the vault-stanza wrapping key.
pub const VAULT_WRAP_INFO: &[u8] = b"cloak/v1 vault-wrap";

/// The per-file random key that the stanzas wrap and Cobblestone expands.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct FileKey([u8; KEY_SIZE]);

impl FileKey {
    fn generate() -> Result<Self, EncryptError> {
        let mut k = [0u8; KEY_SIZE];
        random_bytes(&mut k).map_err(|_| EncryptError::Random)?;
        Ok(Self(k))
    }
}

fn vault_wrap_cipher(vault: &VaultKey, salt: &[u8; VAULT_SALT_SIZE]) -> Aes256Gcm {
    let mut key = Zeroizing::new([0u8; 32]);
    let hk = Hkdf::<Sha256>::new(Some(salt), vault.as_bytes());
    if hk.expand(VAULT_WRAP_INFO, key.as_mut()).is_err() {
        unreachable!("HKDF-SHA256 can always output 32 bytes")
    }
    Aes256Gcm::new(&(*key).into())
}

/// Each stanza's wrapping key is fresh (random salt), so a zero nonce is safe.
const ZERO_NONCE: [u8; 12] = [0; 12];

fn wrap_vault(vault: &VaultKey, file_key: &FileKey) -> Result<Stanza, EncryptError> {
    let key_id = vault.key_id();
    let mut salt = [0u8; VAULT_SALT_SIZE];
    random_bytes(&mut salt).map_err(|_| EncryptError::Random)?;
    let mut wrapped = [0u8; WRAPPED_KEY_SIZE];
    wrapped[..KEY_SIZE].copy_from_slice(&file_key.0);
    let tag = vault_wrap_cipher(vault, &salt)
        .encrypt_inout_detached(
            &Nonce::from(ZERO_NONCE),
            &key_id.0,
            (&mut wrapped[..KEY_SIZE]).into(),
        )
        .map_err(|_| EncryptError::Wrap)?;
    wrapped[KEY_SIZE..].copy_from_slice(&tag);
    Ok(Stanza::Vault {
        key_id,
        salt,
        wrapped,
    })
}

fn unwrap_vault(
    vault: &VaultKey,
    key_id: &KeyId,
    salt: &[u8; VAULT_SALT_SIZE],
    wrapped: &[u8; WRAPPED_KEY_SIZE],
) -> Option<FileKey> {
    let mut key = FileKey([0; KEY_SIZE]);
    key.0.copy_from_slice(&wrapped[..KEY_SIZE]);
    let tag = Tag::try_from(&wrapped[KEY_SIZE..]).ok()?;
    vault_wrap_cipher(vault, salt)
        .decrypt_inout_detached(
            &Nonce::from(ZERO_NONCE),
            &key_id.0,
            (&mut key.0[..]).into(),
            &tag,
        )
        .ok()?;
    Some(key)
}

fn wrap_x25519(recipient: &Recipient, file_key: &FileKey) -> Result<Stanza, EncryptError> {
    let pk = recipient.hpke_public().map_err(|_| EncryptError::Wrap)?;
    let (encapped, ct) = hpke::single_shot_seal::<AesGcm256, HkdfSha256, X25519HkdfSha256>(
        &OpModeS::Base,
        &pk,
        HPKE_INFO,
        &file_key.0,
        &[],
    )
    .map_err(|_| EncryptError::Wrap)?;
    let mut enc = [0u8; format::X25519_ENC_SIZE];
    enc.copy_from_slice(&encapped.to_bytes());
    let wrapped: [u8; WRAPPED_KEY_SIZE] =
        ct.as_slice().try_into().map_err(|_| EncryptError::Wrap)?;
    Ok(Stanza::X25519 { enc, wrapped })
}

fn unwrap_x25519(identity: &Identity, enc: &[u8], wrapped: &[u8]) -> Option<FileKey> {
    let sk = identity.hpke_private().ok()?;
    let encapped = <X25519HkdfSha256 as hpke::Kem>::EncappedKey::from_bytes(enc).ok()?;
    let pt = Zeroizing::new(
        hpke::single_shot_open::<AesGcm256, HkdfSha256, X25519HkdfSha256>(
            &OpModeR::Base,
            &sk,
            &encapped,
            HPKE_INFO,
            wrapped,
            &[],
        )
        .ok()?,
    );
    let mut key = FileKey([0; KEY_SIZE]);
    key.0.copy_from_slice(pt.get(..KEY_SIZE)?);
    Some(key)
}

/// How a file is encrypted.
#[derive(Clone, Debug, Default)]
pub struct EncryptOptions {
    /// Pad the plaintext to a PADMÉ length (needs `metadata.size`).
    pub pad: bool,
}

/// The size of a `.cloak` file, computed before encryption starts.
///
/// `content_len` is the plaintext size, `metadata_region_len` the value of
/// [`Metadata::region_len`], `header_len` that of [`format::header_len`].
pub fn ciphertext_len(
    content_len: u64,
    metadata_region_len: usize,
    header_len: usize,
    padding: u64,
) -> u64 {
    let plaintext = metadata_region_len as u64 + content_len + padding;
    header_len as u64 + crate::hazmat::sealed_len(plaintext)
}

/// The PADMÉ padding for a content of `content_len` bytes behind a metadata region.
pub fn padding_for(content_len: u64, metadata_region_len: usize) -> u64 {
    let unpadded = metadata_region_len as u64 + content_len;
    padme(unpadded) - unpadded
}

/// Everything decided before the first content byte is encrypted.
struct Prepared {
    file_key: FileKey,
    header: Vec<u8>,
    salt: [u8; SALT_SIZE],
    metadata: Metadata,
    region: Vec<u8>,
}

impl Prepared {
    fn new(
        vault_keys: &[&VaultKey],
        recipients: &[Recipient],
        metadata: &Metadata,
        options: &EncryptOptions,
    ) -> Result<Self, EncryptError> {
        let count = vault_keys.len() + recipients.len();
        if count == 0 {
            return Err(EncryptError::NoRecipients);
        }
        if count > MAX_STANZAS {
            return Err(EncryptError::TooManyRecipients(MAX_STANZAS));
        }
        let metadata = padded_metadata(metadata, options.pad)?;
        let region = metadata.encode_region()?;
        let file_key = FileKey::generate()?;
        let mut stanzas = Vec::with_capacity(count);
        for vault in vault_keys {
            stanzas.push(wrap_vault(vault, &file_key)?);
        }
        for r in recipients {
            stanzas.push(wrap_x25519(r, &file_key)?);
        }
        let header = Header { stanzas }.to_bytes();
        let mut salt = [0u8; SALT_SIZE];
        random_bytes(&mut salt).map_err(|_| EncryptError::Random)?;
        Ok(Self {
            file_key,
            header,
            salt,
            metadata,
            region,
        })
    }

    fn total_len(&self) -> Option<u64> {
        let m = &self.metadata;
        m.size
            .map(|s| ciphertext_len(s, self.region.len(), self.header.len(), m.padding))
    }
}

/// What an external AES-256-GCM engine (e.g. WebCrypto) needs to write a file:
/// it emits `head`, then seals `metadata_region ‖ content ‖ padding` zero bytes
/// in 16 KiB chunks with `keys` (see [`crate::hazmat`]), the last chunk short.
pub struct ExternalSeal {
    /// Header, salt and commitment: the file's first bytes.
    pub head: Vec<u8>,
    /// Chunk key and base nonce.
    pub keys: ChunkKeys,
    /// The padded metadata region, the first plaintext bytes.
    pub metadata_region: Vec<u8>,
    /// Zero bytes to seal after the content.
    pub padding: u64,
    /// The whole file's length, when the size was declared.
    pub total_len: Option<u64>,
}

impl ExternalSeal {
    /// Prepares a file like [`Encryptor::new`], for sealing elsewhere.
    pub fn new(
        vault_keys: &[&VaultKey],
        recipients: &[Recipient],
        metadata: &Metadata,
        options: &EncryptOptions,
    ) -> Result<Self, EncryptError> {
        let p = Prepared::new(vault_keys, recipients, metadata, options)?;
        let (keys, commitment) = crate::hazmat::derive(&p.file_key.0, &p.salt, &p.header);
        let total_len = p.total_len();
        let mut head = p.header;
        head.extend_from_slice(&p.salt);
        head.extend_from_slice(&commitment);
        Ok(Self {
            head,
            keys,
            metadata_region: p.region,
            padding: p.metadata.padding,
            total_len,
        })
    }
}

/// Parses the header and the salt ‖ commitment after it; `Ok(None)` while
/// `bytes` does not hold them all yet.
fn split_head(bytes: &[u8]) -> Result<Option<(Header, usize, [u8; PREFIX_SIZE])>, DecryptError> {
    let Some((header, len)) = parse_header(bytes)? else {
        return Ok(None);
    };
    let Some(prefix) = bytes.get(len..len + PREFIX_SIZE) else {
        return Ok(None);
    };
    let prefix = prefix.try_into().map_err(|_| DecryptError::Truncated)?;
    Ok(Some((header, len, prefix)))
}

/// Opens a file's header for an external engine: parses it, unwraps the file
/// key and checks the commitment. Returns `Ok(None)` when `bytes` does not yet
/// hold the header, salt and commitment, else their length and the chunk keys.
/// The caller MUST then open chunks in order, enforce the short final chunk,
/// and parse the metadata region exactly as [`Decryptor`] does.
pub fn open_external(
    bytes: &[u8],
    keyring: &Keyring,
) -> Result<Option<(usize, ChunkKeys)>, DecryptError> {
    let Some((header, len, prefix)) = split_head(bytes)? else {
        return Ok(None);
    };
    let file_key = keyring.unwrap(&header)?;
    let keys = open_prefix(&file_key.0, &prefix, &bytes[..len]).map_err(map_stream)?;
    Ok(Some((len + PREFIX_SIZE, keys)))
}

/// `metadata` with its `padding` set: 0, or with `pad` the PADMÉ padding for its
/// declared size. Encryption and size prediction both use this.
pub fn padded_metadata(metadata: &Metadata, pad: bool) -> Result<Metadata, EncryptError> {
    let mut metadata = metadata.clone();
    metadata.padding = 0;
    if pad {
        let size = metadata.size.ok_or(EncryptError::PaddingNeedsSize)?;
        // FORMAT.md §3.2: the padding sits inside the record whose bucket it
        // depends on. `padding` never decreases, so the record and its bucket
        // never shrink; the bucket grows at most twice, and at a settled bucket
        // PADMÉ is idempotent, so this settles within a few steps.
        for _ in 0..2 * crate::metadata::BUCKETS.len() + 1 {
            let region = metadata.region_len()? as u64;
            let unpadded = region + size + metadata.padding;
            let next = padme(unpadded) - region - size;
            if next == metadata.padding {
                return Ok(metadata);
            }
            metadata.padding = next;
        }
        return Err(EncryptError::PaddingUnsettled);
    }
    Ok(metadata)
}

/// Encrypts one file, push by push.
pub struct Encryptor {
    stream: StreamEncryptor,
    declared: Option<u64>,
    padding: u64,
    pushed: u64,
    expected_len: Option<u64>,
}

impl Encryptor {
    /// Starts a file for `vault_keys` and `recipients`. Returns the encryptor and
    /// the first bytes of output (header, salt, commitment).
    pub fn new(
        vault_keys: &[&VaultKey],
        recipients: &[Recipient],
        metadata: &Metadata,
        options: &EncryptOptions,
    ) -> Result<(Self, Vec<u8>), EncryptError> {
        let p = Prepared::new(vault_keys, recipients, metadata, options)?;
        let (mut stream, prefix) = StreamEncryptor::new(&p.file_key.0, &p.salt, &p.header);
        let expected_len = p.total_len();
        let mut out = p.header;
        out.extend_from_slice(&prefix);
        stream
            .push(&p.region, &mut out)
            .map_err(|_| EncryptError::TooLarge)?;
        let enc = Self {
            stream,
            declared: p.metadata.size,
            padding: p.metadata.padding,
            pushed: 0,
            expected_len,
        };
        Ok((enc, out))
    }

    /// The exact length of the whole output, when the size was declared.
    pub fn expected_len(&self) -> Option<u64> {
        self.expected_len
    }

    /// Encrypts the next piece of content.
    pub fn push(&mut self, data: &[u8], out: &mut Vec<u8>) -> Result<(), EncryptError> {
        self.pushed += data.len() as u64;
        if let Some(declared) = self.declared.filter(|d| self.pushed > *d) {
            return Err(EncryptError::SizeMismatch {
                declared,
                actual: self.pushed,
            });
        }
        self.stream
            .push(data, out)
            .map_err(|_| EncryptError::TooLarge)
    }

    /// Adds the padding and seals the final chunk.
    pub fn finish(mut self, out: &mut Vec<u8>) -> Result<(), EncryptError> {
        if let Some(declared) = self.declared.filter(|d| self.pushed != *d) {
            return Err(EncryptError::SizeMismatch {
                declared,
                actual: self.pushed,
            });
        }
        let zeros = [0u8; 16384];
        let mut left = self.padding;
        while left > 0 {
            let n = left.min(zeros.len() as u64) as usize;
            self.stream
                .push(&zeros[..n], out)
                .map_err(|_| EncryptError::TooLarge)?;
            left -= n as u64;
        }
        self.stream.finish(out).map_err(|_| EncryptError::TooLarge)
    }
}

/// The keys a decryptor may use.
#[derive(Clone, Default)]
pub struct Keyring {
    vault_keys: Vec<VaultKey>,
}

impl Keyring {
    /// A keyring holding `keys`.
    pub fn new(keys: Vec<VaultKey>) -> Self {
        Self { vault_keys: keys }
    }

    /// The vault keys.
    pub fn keys(&self) -> &[VaultKey] {
        &self.vault_keys
    }

    /// Finds the file key in `header`.
    pub fn unwrap(&self, header: &Header) -> Result<FileKey, DecryptError> {
        let mut key_ids = Vec::new();
        let (mut recipients, mut unsupported) = (0, 0);
        for stanza in &header.stanzas {
            match stanza {
                Stanza::Vault {
                    key_id,
                    salt,
                    wrapped,
                } => {
                    if let Some(vault) = self.vault_keys.iter().find(|k| k.key_id() == *key_id) {
                        return unwrap_vault(vault, key_id, salt, wrapped)
                            .ok_or(DecryptError::HeaderTampered);
                    }
                    key_ids.push(*key_id);
                }
                Stanza::X25519 { enc, wrapped } => {
                    for vault in &self.vault_keys {
                        if let Some(k) = unwrap_x25519(&vault.identity(), enc, wrapped) {
                            return Ok(k);
                        }
                    }
                    recipients += 1;
                }
                Stanza::Unknown { .. } => unsupported += 1,
            }
        }
        Err(DecryptError::NoMatchingKey {
            key_ids,
            recipients,
            unsupported,
        })
    }
}

fn map_stream(e: StreamError) -> DecryptError {
    match e {
        StreamError::CommitmentMismatch => DecryptError::HeaderTampered,
        StreamError::Unauthentic(chunk) => DecryptError::PayloadTampered { chunk },
        StreamError::Truncated => DecryptError::Truncated,
        StreamError::FinalUnauthentic(chunk) => DecryptError::TruncatedOrTampered { chunk },
        StreamError::TrailingData => DecryptError::TrailingData,
        StreamError::TooLarge => DecryptError::TooLarge,
    }
}

/// Splits authenticated plaintext after the metadata into content and padding.
struct ContentSplitter {
    content_left: Option<u64>,
    padding_left: u64,
}

impl ContentSplitter {
    fn new(meta: &Metadata) -> Self {
        Self {
            content_left: meta.size,
            padding_left: meta.padding,
        }
    }

    fn release(&mut self, plain: &[u8], out: &mut Vec<u8>) -> Result<(), DecryptError> {
        let Some(left) = &mut self.content_left else {
            out.extend_from_slice(plain);
            return Ok(());
        };
        let take = (*left).min(plain.len() as u64) as usize;
        out.extend_from_slice(&plain[..take]);
        *left -= take as u64;
        let pad = &plain[take..];
        if pad.len() as u64 > self.padding_left {
            return Err(DecryptError::TrailingData);
        }
        if pad.iter().any(|&b| b != 0) {
            return Err(DecryptError::BadMetadata("non-zero size padding"));
        }
        self.padding_left -= pad.len() as u64;
        Ok(())
    }

    fn complete(&self) -> Result<(), DecryptError> {
        if self.content_left.is_some_and(|l| l > 0) || self.padding_left > 0 {
            return Err(DecryptError::Truncated);
        }
        Ok(())
    }
}

enum State {
    /// Collecting header, salt and commitment.
    Header(Vec<u8>),
    /// Collecting the metadata region.
    Metadata {
        stream: StreamDecryptor,
        plain: Vec<u8>,
    },
    /// Releasing content.
    Content {
        stream: StreamDecryptor,
        split: ContentSplitter,
    },
    /// A previous call failed, or the decryptor finished; nothing more is accepted.
    Failed(DecryptError),
}

/// Decrypts one file, push by push. Only authenticated content is released, but a
/// caller MUST treat it as incomplete until [`Decryptor::finish`] succeeds.
pub struct Decryptor {
    keyring: Keyring,
    state: State,
    header: Option<Header>,
    metadata: Option<Metadata>,
}

impl Decryptor {
    /// A decryptor that will use `keyring`.
    pub fn new(keyring: Keyring) -> Self {
        Self {
            keyring,
            state: State::Header(Vec::new()),
            header: None,
            metadata: None,
        }
    }

    /// The header, once parsed.
    pub fn header(&self) -> Option<&Header> {
        self.header.as_ref()
    }

    /// The authenticated metadata, once its chunk has been verified.
    pub fn metadata(&self) -> Option<&Metadata> {
        self.metadata.as_ref()
    }

    /// Feeds ciphertext; authenticated content is appended to `out`.
    pub fn push(&mut self, data: &[u8], out: &mut Vec<u8>) -> Result<(), DecryptError> {
        let state = std::mem::replace(&mut self.state, State::Failed(DecryptError::TooLarge));
        match self.step(state, data, out) {
            Ok(state) => {
                self.state = state;
                Ok(())
            }
            Err(e) => {
                self.state = State::Failed(e.clone());
                Err(e)
            }
        }
    }

    fn step(
        &mut self,
        state: State,
        data: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<State, DecryptError> {
        match state {
            State::Failed(e) => Err(e),
            State::Header(mut buf) => {
                buf.extend_from_slice(data);
                let Some((header, len, prefix)) = split_head(&buf)? else {
                    return Ok(State::Header(buf));
                };
                let file_key = self.keyring.unwrap(&header)?;
                let stream =
                    StreamDecryptor::new(&file_key.0, &prefix, &buf[..len]).map_err(map_stream)?;
                self.header = Some(header);
                let rest = buf.split_off(len + PREFIX_SIZE);
                self.step(
                    State::Metadata {
                        stream,
                        plain: Vec::new(),
                    },
                    &rest,
                    out,
                )
            }
            State::Metadata {
                mut stream,
                mut plain,
            } => {
                // The region lies in chunk 0: open it before looking further, so
                // that errors come in stream order however the input is split.
                let room = (SEALED_CHUNK_SIZE as u64).saturating_sub(stream.received());
                let room = usize::try_from(room).unwrap_or(usize::MAX);
                let (first, rest) = data.split_at(data.len().min(room));
                stream.push(first, &mut plain).map_err(map_stream)?;
                let Some((meta, region)) = Metadata::decode_region(&plain)? else {
                    return Ok(State::Metadata { stream, plain });
                };
                if let Some(size) = meta.size {
                    let total = (region as u64)
                        .checked_add(size)
                        .and_then(|t| t.checked_add(meta.padding));
                    stream.expect_plaintext_len(
                        total.ok_or(DecryptError::BadMetadata("size too large"))?,
                    );
                }
                let mut split = ContentSplitter::new(&meta);
                self.metadata = Some(meta);
                split.release(&plain[region..], out)?;
                self.step(State::Content { stream, split }, rest, out)
            }
            State::Content {
                mut stream,
                mut split,
            } => {
                let mut plain = Vec::with_capacity(data.len());
                stream.push(data, &mut plain).map_err(map_stream)?;
                split.release(&plain, out)?;
                Ok(State::Content { stream, split })
            }
        }
    }

    /// Verifies the final chunk and returns the metadata. Only now is the content
    /// known to be complete and authentic.
    pub fn finish(mut self, out: &mut Vec<u8>) -> Result<Metadata, DecryptError> {
        match std::mem::replace(&mut self.state, State::Failed(DecryptError::TooLarge)) {
            State::Failed(e) => Err(e),
            State::Header(buf) if buf.is_empty() => Err(DecryptError::NotCloak),
            State::Header(_) => Err(DecryptError::Truncated),
            State::Metadata { stream, mut plain } => {
                stream.finish(&mut plain).map_err(map_stream)?;
                let (meta, region) = Metadata::decode_region(&plain)?
                    .ok_or(DecryptError::BadMetadata("metadata region incomplete"))?;
                let mut split = ContentSplitter::new(&meta);
                split.release(&plain[region..], out)?;
                split.complete()?;
                Ok(meta)
            }
            State::Content { stream, mut split } => {
                let mut plain = Vec::new();
                stream.finish(&mut plain).map_err(map_stream)?;
                split.release(&plain, out)?;
                split.complete()?;
                self.metadata
                    .take()
                    .ok_or(DecryptError::BadMetadata("missing"))
            }
        }
    }
}
