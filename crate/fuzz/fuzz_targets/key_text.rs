//! Recovery keys, recipient strings and key files from untrusted text never panic.
#![no_main]
use cloak::{KeyFile, Recipient, VaultKey};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(key) = VaultKey::from_recovery_key(text) {
        let again = VaultKey::from_recovery_key(&key.recovery_key());
        assert_eq!(again.map(|k| *k.as_bytes()).ok(), Some(*key.as_bytes()));
    }
    if let Ok(r) = text.parse::<Recipient>() {
        assert_eq!(r.to_string().parse::<Recipient>().ok(), Some(r));
    }
    let _ = KeyFile::from_json(text);
});
