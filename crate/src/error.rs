//! Typed errors, one enum per operation. Each message says what happened in
//! words a user can act on; none ever contains key material.

use crate::keys::KeyId;

/// Why a `.cloak` file could not be decrypted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecryptError {
    /// The input does not start with the Cloak magic.
    #[error("not a Cloak file (the file does not start with the Cloak signature)")]
    NotCloak,
    /// The file declares a format version this build does not know.
    #[error("unsupported Cloak format version {0}; a newer version of Cloak may open it")]
    UnsupportedVersion(u8),
    /// The header is structurally invalid.
    #[error("the Cloak header is malformed ({0}); the file is corrupted")]
    MalformedHeader(&'static str),
    /// None of the available keys can open the file.
    #[error("{}", describe_no_key(.key_ids, *.recipients, *.unsupported))]
    NoMatchingKey {
        /// Vault key ids the file is encrypted for.
        key_ids: Vec<KeyId>,
        /// Number of X25519 recipient stanzas none of our identities could open.
        recipients: usize,
        /// Number of stanzas of a type this build cannot open.
        unsupported: usize,
    },
    /// A key matched but the header failed authentication.
    #[error("the Cloak header failed authentication; the file was tampered with or corrupted")]
    HeaderTampered,
    /// A payload chunk failed authentication.
    #[error(
        "failed to decrypt and authenticate payload chunk {chunk}; the file may be corrupted or tampered with"
    )]
    PayloadTampered {
        /// Index of the first chunk that failed.
        chunk: u64,
    },
    /// The file ends before its end.
    #[error("the file is truncated: it ends before the end of the encrypted data")]
    Truncated,
    /// The last chunk failed authentication and nothing authenticated says how
    /// long the file should be (a file written without a known size).
    #[error(
        "the file is truncated or was modified: its last chunk ({chunk}) failed authentication"
    )]
    TruncatedOrTampered {
        /// Index of the last chunk.
        chunk: u64,
    },
    /// Bytes follow the end of the encrypted data.
    #[error("unexpected data after the end of the encrypted file; the file was modified")]
    TrailingData,
    /// The authenticated metadata record is invalid.
    #[error("the encrypted metadata is invalid ({0})")]
    BadMetadata(&'static str),
    /// The file exceeds the format's size limit.
    #[error("the file is larger than the format allows (2^38 chunks)")]
    TooLarge,
}

fn describe_no_key(key_ids: &[KeyId], recipients: usize, unsupported: usize) -> String {
    let mut parts = Vec::new();
    if !key_ids.is_empty() {
        let ids: Vec<String> = key_ids.iter().map(KeyId::short).collect();
        parts.push(format!("key {}", ids.join(", ")));
    }
    if recipients > 0 {
        parts.push(format!("{recipients} public recipient(s)"));
    }
    if unsupported > 0 {
        parts.push(format!(
            "{unsupported} recipient(s) of a type this version cannot open"
        ));
    }
    format!(
        "no key you have can open this file: it is encrypted for {}; import that key to open it",
        parts.join(" and ")
    )
}

impl DecryptError {
    /// A stable machine-readable code, used by the WASM bindings and the CLI.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotCloak => "not_cloak",
            Self::UnsupportedVersion(_) => "unsupported_version",
            Self::MalformedHeader(_) => "malformed_header",
            Self::NoMatchingKey { .. } => "wrong_key",
            Self::HeaderTampered => "header_tampered",
            Self::PayloadTampered { .. } => "payload_tampered",
            Self::Truncated => "truncated",
            Self::TruncatedOrTampered { .. } => "truncated_or_tampered",
            Self::TrailingData => "trailing_data",
            Self::BadMetadata(_) => "bad_metadata",
            Self::TooLarge => "too_large",
        }
    }
}

/// Why a file could not be encrypted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncryptError {
    /// No vault key and no recipient was given.
    #[error("no key or recipient to encrypt to")]
    NoRecipients,
    /// Too many recipients for one header.
    #[error("too many recipients (at most {0})")]
    TooManyRecipients(usize),
    /// The metadata record does not fit the largest bucket.
    #[error("the file name and type are too long to store ({0} bytes; the limit is 4094)")]
    MetadataTooLarge(usize),
    /// The input was longer or shorter than the size declared up front.
    #[error("the input was {actual} bytes but {declared} were declared")]
    SizeMismatch {
        /// Declared content size.
        declared: u64,
        /// Bytes actually pushed.
        actual: u64,
    },
    /// Padding was requested but the size is unknown.
    #[error("size padding needs the input size up front")]
    PaddingNeedsSize,
    /// The size padding did not settle (cannot happen under FORMAT.md §3.2's rule).
    #[error("the size padding could not be computed; the file was not written")]
    PaddingUnsettled,
    /// The input exceeds the format's size limit.
    #[error("the input is larger than the format allows (2^38 chunks)")]
    TooLarge,
    /// The operating system's random number generator failed.
    #[error("the system random number generator failed")]
    Random,
    /// Wrapping the file key to a recipient failed.
    #[error("could not encrypt the file key to a recipient")]
    Wrap,
}

impl EncryptError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoRecipients => "no_recipients",
            Self::TooManyRecipients(_) => "too_many_recipients",
            Self::MetadataTooLarge(_) => "metadata_too_large",
            Self::SizeMismatch { .. } => "size_mismatch",
            Self::PaddingNeedsSize => "padding_needs_size",
            Self::PaddingUnsettled => "padding_unsettled",
            Self::TooLarge => "too_large",
            Self::Random => "random_failed",
            Self::Wrap => "wrap_failed",
        }
    }
}

/// Errors about keys, recovery keys, recipients and key files.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The recovery key does not decode or its checksum fails.
    #[error("the recovery key is invalid: {0}")]
    BadRecoveryKey(&'static str),
    /// The recipient string does not decode.
    #[error("the recipient is invalid: {0}")]
    BadRecipient(&'static str),
    /// The key file could not be parsed.
    #[error("the key file is invalid: {0}")]
    BadKeyFile(String),
    /// The key file has a version this build does not know.
    #[error("unsupported key file version {0}")]
    UnsupportedKeyFile(u64),
    /// The passphrase does not unlock the key file.
    #[error("wrong passphrase (or the key file is corrupted)")]
    WrongPassphrase,
    /// The key-derivation parameters are out of range.
    #[error("invalid key-derivation parameters: {0}")]
    BadKdfParams(String),
    /// The passphrase cannot be prepared (RFC 8265 OpaqueString).
    #[error("this passphrase cannot be used: {0}")]
    BadPassphrase(String),
    /// The key-derivation parameters are below Cloak's minimum.
    #[error(
        "the key file's passphrase protection is weaker than Cloak accepts ({m_cost_kib} KiB, {t_cost} pass(es); at least 19456 KiB and 2 passes): it was not written by Cloak, or was tampered with"
    )]
    WeakKdfParams {
        /// Memory the file asks for, in KiB.
        m_cost_kib: u32,
        /// Passes the file asks for.
        t_cost: u32,
    },
    /// The operating system's random number generator failed.
    #[error("the system random number generator failed")]
    Random,
}

impl KeyError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadRecoveryKey(_) => "bad_recovery_key",
            Self::BadRecipient(_) => "bad_recipient",
            Self::BadKeyFile(_) => "bad_key_file",
            Self::UnsupportedKeyFile(_) => "unsupported_key_file",
            Self::WrongPassphrase => "wrong_passphrase",
            Self::BadKdfParams(_) => "bad_kdf_params",
            Self::BadPassphrase(_) => "bad_passphrase",
            Self::WeakKdfParams { .. } => "weak_kdf_params",
            Self::Random => "random_failed",
        }
    }
}
