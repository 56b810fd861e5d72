//! Parsing the header from untrusted bytes.

use super::{
    FIXED_HEADER_LEN, Header, MAGIC, MAX_HEADER_LEN, MAX_STANZAS, STANZA_FRAMING, STANZA_VAULT,
    STANZA_X25519, Stanza, VAULT_BODY_SIZE, VAULT_SALT_SIZE, VERSION, X25519_BODY_SIZE,
    X25519_ENC_SIZE,
};
use crate::error::DecryptError;
use crate::keys::{KEY_ID_SIZE, KeyId};

/// Checks the magic on however many bytes are present.
pub fn check_magic(bytes: &[u8]) -> Result<(), DecryptError> {
    let n = bytes.len().min(MAGIC.len());
    if bytes[..n] == MAGIC[..n] {
        Ok(())
    } else {
        Err(DecryptError::NotCloak)
    }
}

/// Parses a header from the start of `bytes`.
///
/// Returns `Ok(None)` when more bytes are needed, and otherwise the header and
/// the number of bytes it occupies. Errors as soon as the bytes present prove
/// the input invalid.
pub fn parse_header(bytes: &[u8]) -> Result<Option<(Header, usize)>, DecryptError> {
    check_magic(bytes)?;
    if bytes.len() < FIXED_HEADER_LEN {
        return Ok(None);
    }
    let version = bytes[MAGIC.len()];
    if version != VERSION {
        return Err(DecryptError::UnsupportedVersion(version));
    }
    let count = usize::from(bytes[MAGIC.len() + 1]);
    if count == 0 {
        return Err(DecryptError::MalformedHeader("no key stanza"));
    }
    if count > MAX_STANZAS {
        return Err(DecryptError::MalformedHeader("too many key stanzas"));
    }
    let mut pos = FIXED_HEADER_LEN;
    let mut stanzas = Vec::with_capacity(count);
    for _ in 0..count {
        let Some(frame) = bytes.get(pos..pos + STANZA_FRAMING) else {
            return Ok(None);
        };
        let kind = frame[0];
        let len = usize::from(u16::from_be_bytes([frame[1], frame[2]]));
        let end = pos + STANZA_FRAMING + len;
        if end > MAX_HEADER_LEN {
            return Err(DecryptError::MalformedHeader("header too long"));
        }
        let expected = match kind {
            STANZA_VAULT => Some(VAULT_BODY_SIZE),
            STANZA_X25519 => Some(X25519_BODY_SIZE),
            _ => None,
        };
        if expected.is_some_and(|e| e != len) {
            return Err(DecryptError::MalformedHeader(
                "key stanza has the wrong length",
            ));
        }
        let Some(body) = bytes.get(pos + STANZA_FRAMING..end) else {
            return Ok(None);
        };
        stanzas.push(parse_stanza(kind, body));
        pos = end;
    }
    Ok(Some((Header { stanzas }, pos)))
}

fn parse_stanza(kind: u8, body: &[u8]) -> Stanza {
    let mut wrapped = [0u8; super::WRAPPED_KEY_SIZE];
    match kind {
        STANZA_VAULT => {
            let mut id = [0u8; KEY_ID_SIZE];
            let mut salt = [0u8; VAULT_SALT_SIZE];
            id.copy_from_slice(&body[..KEY_ID_SIZE]);
            salt.copy_from_slice(&body[KEY_ID_SIZE..KEY_ID_SIZE + VAULT_SALT_SIZE]);
            wrapped.copy_from_slice(&body[KEY_ID_SIZE + VAULT_SALT_SIZE..]);
            Stanza::Vault {
                key_id: KeyId(id),
                salt,
                wrapped,
            }
        }
        STANZA_X25519 => {
            let mut enc = [0u8; X25519_ENC_SIZE];
            enc.copy_from_slice(&body[..X25519_ENC_SIZE]);
            wrapped.copy_from_slice(&body[X25519_ENC_SIZE..]);
            Stanza::X25519 { enc, wrapped }
        }
        _ => Stanza::Unknown {
            kind,
            body: body.to_vec(),
        },
    }
}
