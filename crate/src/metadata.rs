//! The metadata record at the start of the encrypted plaintext.
//!
//! Layout: a 2-byte big-endian record length `L`, `L` bytes of UTF-8 JSON, then
//! zero bytes up to the smallest bucket in [`BUCKETS`] that holds `2 + L`.
//! Padding the record hides the name's length; it is encrypted with the content,
//! so no second nonce or key is ever used.

use serde::{Deserialize, Serialize};

use crate::error::{DecryptError, EncryptError};

/// Sizes the metadata region is padded to.
pub const BUCKETS: [usize; 3] = [256, 1024, 4096];
/// Bytes of the record-length prefix.
const LEN_PREFIX: usize = 2;
/// Longest record that fits the largest bucket.
pub const MAX_RECORD_LEN: usize = BUCKETS[BUCKETS.len() - 1] - LEN_PREFIX;

/// What Cloak stores about a file, inside the encryption.
///
/// Every field comes from whoever encrypted the file: treat `name` as hostile and
/// pass it through [`crate::safe_file_name`] before using it as a path.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metadata {
    /// Original file name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// MIME type.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    /// Last-modified time, milliseconds since the Unix epoch.
    #[serde(rename = "mtime", default, skip_serializing_if = "Option::is_none")]
    pub modified_ms: Option<i64>,
    /// Content size in bytes, when known before encryption.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// The folders the file was in, relative to what the user selected
    /// ("Taxes/2024"), when they are hidden from the site. Attacker-controlled:
    /// pass it through [`crate::name::safe_folders`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub folder: Option<String>,
    /// Zero bytes of size padding after the content (requires `size`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub padding: u64,
}

fn is_zero(v: &u64) -> bool {
    *v == 0
}

/// The smallest bucket holding a record of `record_len` bytes.
fn bucket_for(record_len: usize) -> Option<usize> {
    BUCKETS.into_iter().find(|b| LEN_PREFIX + record_len <= *b)
}

impl Metadata {
    fn record(&self) -> Vec<u8> {
        // Serialising plain strings and integers to JSON cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Size of the padded metadata region for this record.
    pub fn region_len(&self) -> Result<usize, EncryptError> {
        let len = self.record().len();
        bucket_for(len).ok_or(EncryptError::MetadataTooLarge(len))
    }

    /// The padded metadata region, ready to be encrypted ahead of the content.
    pub fn encode_region(&self) -> Result<Vec<u8>, EncryptError> {
        let record = self.record();
        let bucket =
            bucket_for(record.len()).ok_or(EncryptError::MetadataTooLarge(record.len()))?;
        let mut out = Vec::with_capacity(bucket);
        out.extend_from_slice(
            &u16::try_from(record.len())
                .unwrap_or(u16::MAX)
                .to_be_bytes(),
        );
        out.extend_from_slice(&record);
        out.resize(bucket, 0);
        Ok(out)
    }

    /// Parses a region from the start of authenticated plaintext. Returns
    /// `Ok(None)` when more bytes are needed, else the metadata and region length.
    pub fn decode_region(bytes: &[u8]) -> Result<Option<(Self, usize)>, DecryptError> {
        let Some(prefix) = bytes.get(..LEN_PREFIX) else {
            return Ok(None);
        };
        let len = usize::from(u16::from_be_bytes([prefix[0], prefix[1]]));
        let bucket = bucket_for(len).ok_or(DecryptError::BadMetadata("record too long"))?;
        let Some(region) = bytes.get(..bucket) else {
            return Ok(None);
        };
        if region[LEN_PREFIX + len..].iter().any(|&b| b != 0) {
            return Err(DecryptError::BadMetadata("non-zero padding"));
        }
        let record = &region[LEN_PREFIX..LEN_PREFIX + len];
        let meta: Metadata = serde_json::from_slice(record).map_err(|e| match e.classify() {
            serde_json::error::Category::Data => DecryptError::BadMetadata(wrong_member(record)),
            _ => DecryptError::BadMetadata("record is not valid JSON"),
        })?;
        if meta.padding > 0 && meta.size.is_none() {
            return Err(DecryptError::BadMetadata("padding without a size"));
        }
        Ok(Some((meta, bucket)))
    }
}

/// A known member, how its value must look, and what to say when it does not.
type MemberCheck = (&'static str, fn(&serde_json::Value) -> bool, &'static str);

/// What is wrong with a record that is valid JSON but not a [`Metadata`]: the
/// first known member of the wrong type, or a record that is not an object.
fn wrong_member(record: &[u8]) -> &'static str {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_slice(record) else {
        return "record is not a JSON object";
    };
    let checks: [MemberCheck; 6] = [
        (
            "name",
            serde_json::Value::is_string,
            "member \"name\" is not a string",
        ),
        (
            "type",
            serde_json::Value::is_string,
            "member \"type\" is not a string",
        ),
        (
            "mtime",
            serde_json::Value::is_i64,
            "member \"mtime\" is not an integer",
        ),
        (
            "size",
            serde_json::Value::is_u64,
            "member \"size\" is not a non-negative integer",
        ),
        (
            "padding",
            serde_json::Value::is_u64,
            "member \"padding\" is not a non-negative integer",
        ),
        (
            "folder",
            serde_json::Value::is_string,
            "member \"folder\" is not a string",
        ),
    ];
    checks
        .into_iter()
        .find(|(key, ok, _)| map.get(*key).is_some_and(|v| !v.is_null() && !ok(v)))
        .map_or("a member has the wrong type", |(_, _, why)| why)
}

/// PADMÉ (Nikitin et al., PETS 2019): the padded length of `len`, leaking
/// O(log log len) bits of it, with at most 12 % overhead.
pub fn padme(len: u64) -> u64 {
    if len < 2 {
        return len;
    }
    let e = 63 - u64::from(len.leading_zeros());
    let s = 64 - u64::from(e.leading_zeros());
    let last_bits = e - s;
    let mask = (1u64 << last_bits) - 1;
    (len + mask) & !mask
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn padme_matches_paper_examples() {
        assert_eq!(padme(0), 0);
        assert_eq!(padme(1), 1);
        assert_eq!(padme(9), 10);
        assert_eq!(padme(1000), 1024);
        assert_eq!(padme(1_000_000), 1_015_808);
        for n in [3u64, 100, 65_537, 1 << 40] {
            assert!(padme(n) >= n && padme(n) - n <= n / 8 + 1);
        }
    }

    #[test]
    fn region_buckets() {
        let short = Metadata {
            name: Some("a.txt".into()),
            ..Default::default()
        };
        assert_eq!(short.encode_region().unwrap().len(), 256);
        let long = Metadata {
            name: Some("x".repeat(600)),
            ..Default::default()
        };
        assert_eq!(long.encode_region().unwrap().len(), 1024);
        let huge = Metadata {
            name: Some("x".repeat(5000)),
            ..Default::default()
        };
        assert!(matches!(
            huge.encode_region(),
            Err(EncryptError::MetadataTooLarge(_))
        ));
    }

    #[test]
    fn decode_names_a_member_of_the_wrong_type() {
        for (record, why) in [
            (
                &br#"{"size":"12"}"#[..],
                "member \"size\" is not a non-negative integer",
            ),
            (br#"{"name":3}"#, "member \"name\" is not a string"),
            (br#"{"mtime":1.5}"#, "member \"mtime\" is not an integer"),
            (br#"[1,2]"#, "record is not a JSON object"),
            (br#"{"size":"#, "record is not valid JSON"),
        ] {
            let mut region = (record.len() as u16).to_be_bytes().to_vec();
            region.extend_from_slice(record);
            region.resize(256, 0);
            assert_eq!(
                Metadata::decode_region(&region).unwrap_err(),
                DecryptError::BadMetadata(why)
            );
        }
    }

    #[test]
    fn decode_rejects_non_zero_padding_and_bad_json() {
        let mut region = Metadata::default().encode_region().unwrap();
        region[200] = 1;
        assert!(Metadata::decode_region(&region).is_err());
        let mut bad = vec![0u8; 256];
        bad[1] = 3;
        bad[2..5].copy_from_slice(b"{{{");
        assert!(Metadata::decode_region(&bad).is_err());
    }

    proptest! {
        #[test]
        fn region_round_trips(name in proptest::option::of("\\PC{0,300}"), mime in proptest::option::of("[a-z/+.-]{0,40}"),
                              mtime in proptest::option::of(any::<i64>()), size in proptest::option::of(0u64..(1 << 53))) {
            let m = Metadata { name, mime_type: mime, modified_ms: mtime, size, folder: None, padding: 0 };
            let region = m.encode_region().unwrap();
            prop_assert_eq!(region.len(), m.region_len().unwrap());
            let (back, len) = Metadata::decode_region(&region).unwrap().unwrap();
            prop_assert_eq!(back, m);
            prop_assert_eq!(len, region.len());
        }

        #[test]
        fn decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..5000)) {
            let _ = Metadata::decode_region(&bytes);
        }
    }
}
