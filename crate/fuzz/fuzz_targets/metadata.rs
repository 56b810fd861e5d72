//! Metadata region decoding never panics; decoded regions re-encode to a region
//! that decodes to the same metadata.
#![no_main]
use cloak::Metadata;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(Some((meta, _))) = Metadata::decode_region(data) {
        let again = meta.encode_region().map(|r| Metadata::decode_region(&r));
        if let Ok(Ok(Some((back, _)))) = again {
            assert_eq!(back, meta);
        }
    }
});
