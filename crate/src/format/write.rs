//! Serialising the header.

use super::{Header, MAGIC, Stanza, VERSION};

impl Header {
    /// The header's wire bytes. The caller guarantees 1–64 stanzas, each with a
    /// body shorter than 65 536 bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let len =
            super::FIXED_HEADER_LEN + self.stanzas.iter().map(Stanza::encoded_len).sum::<usize>();
        let mut out = Vec::with_capacity(len);
        out.extend_from_slice(&MAGIC);
        out.push(VERSION);
        out.push(u8::try_from(self.stanzas.len()).unwrap_or(u8::MAX));
        for stanza in &self.stanzas {
            write_stanza(stanza, &mut out);
        }
        out
    }
}

fn write_stanza(stanza: &Stanza, out: &mut Vec<u8>) {
    out.push(stanza.kind());
    let body_len = stanza.encoded_len() - super::STANZA_FRAMING;
    out.extend_from_slice(&u16::try_from(body_len).unwrap_or(u16::MAX).to_be_bytes());
    match stanza {
        Stanza::Vault {
            key_id,
            salt,
            wrapped,
        } => {
            out.extend_from_slice(&key_id.0);
            out.extend_from_slice(salt);
            out.extend_from_slice(wrapped);
        }
        Stanza::X25519 { enc, wrapped } => {
            out.extend_from_slice(enc);
            out.extend_from_slice(wrapped);
        }
        Stanza::Unknown { body, .. } => out.extend_from_slice(body),
    }
}
