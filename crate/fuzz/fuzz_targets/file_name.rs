//! `safe_file_name` always yields one safe path component, and is idempotent.
#![no_main]
use cloak::name::{MAX_NAME_BYTES, safe_file_name};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|name: &str| {
    let s = safe_file_name(name);
    assert!(!s.is_empty() && s.len() <= MAX_NAME_BYTES);
    assert!(!s.contains(['/', '\\', '\0', ':']));
    assert!(!s.chars().any(char::is_control));
    assert!(s != "." && s != "..");
    assert!(!s.ends_with(['.', ' ']));
    assert_eq!(safe_file_name(&s), s);
});
