//! Header parsing never panics, and whatever parses re-serialises to the same bytes.
#![no_main]
use cloak::format::read::parse_header;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(Some((header, len))) = parse_header(data) {
        assert_eq!(header.to_bytes(), &data[..len]);
    }
});
