//! Cloak: end-to-end encryption of files for cloud storage.
//!
//! This crate defines and implements the `.cloak` format (`docs/FORMAT.md`): a
//! header of key stanzas around a [C2SP chunked-encryption] payload instantiated
//! as Cobblestone-256, with the file's metadata encrypted at the start of the
//! payload. It also holds the key handling (vault keys, recovery keys, key files),
//! the WebAssembly bindings (feature `wasm`) and the `cloak` CLI (feature `cli`).
//!
//! [C2SP chunked-encryption]: https://c2sp.org/chunked-encryption
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod aead;
pub mod error;
pub mod format;
pub mod hazmat;
pub mod keyfile;
pub mod keys;
pub mod metadata;
pub mod name;
pub mod protocol;
pub mod stream;
pub mod strength;
#[cfg(feature = "wasm")]
pub mod wasm;

pub use error::{DecryptError, EncryptError, KeyError};
pub use keyfile::{KdfParams, KeyFile};
pub use keys::{Identity, KeyId, Recipient, VaultKey};
pub use metadata::Metadata;
pub use name::safe_file_name;
pub use protocol::{Decryptor, EncryptOptions, Encryptor, Keyring, ciphertext_len};
pub use strength::{MIN_SCORE, Strength, passphrase_strength};
