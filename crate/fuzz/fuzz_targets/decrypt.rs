//! Decryption of arbitrary bytes, split arbitrarily, never panics and gives the
//! same verdict however the input is split.
#![no_main]
use cloak::{Decryptor, Keyring, VaultKey};
use libfuzzer_sys::fuzz_target;

fn run(data: &[u8], split: usize) -> Result<Vec<u8>, &'static str> {
    let mut dec = Decryptor::new(Keyring::new(vec![VaultKey::from_bytes([7; 32])]));
    let mut out = Vec::new();
    for piece in data.chunks(split) {
        dec.push(piece, &mut out).map_err(|e| e.code())?;
    }
    dec.finish(&mut out).map_err(|e| e.code())?;
    Ok(out)
}

fuzz_target!(|input: (u16, &[u8])| {
    let (split, data) = input;
    let whole = run(data, data.len().max(1));
    let pieces = run(data, usize::from(split).max(1));
    assert_eq!(whole, pieces);
});
