// Encrypts one File into a sink, for both of Cloak's encrypting workers (the
// crypto frame's and the vault page's). WebCrypto seals the chunks of the
// crate's plan; the crate's own AES-GCM engine is the reference, used where
// WebCrypto is missing. Both give identical bytes (tests/wasm/harness.js).
import { Encryptor, VaultKey, planEncryption } from './wasm/cloak.js';
import { sealWithWebCrypto } from './engine.js';
import { fileMetadata, hexToBytes, readFile } from './staging.js';

/**
 * Writes the encryption of `file` for the vault key `keyHex` to `sink`;
 * returns the ciphertext length the format prescribes. The key object is
 * handed to the crate, which owns (and zeroizes) it from then on.
 */
export async function sealFile(file, keyHex, { pad = false, engine = 'webcrypto', folder = '', sink, onProgress = () => {} }) {
  const keys = () => [VaultKey.fromBytes(hexToBytes(keyHex))];
  if (engine !== 'reference' && globalThis.crypto?.subtle) {
    const plan = planEncryption(keys(), [], fileMetadata(file, folder), pad);
    await sealWithWebCrypto(plan, file, (bytes) => sink.write(bytes), onProgress);
    return plan.totalLength;
  }
  const enc = new Encryptor(keys(), [], fileMetadata(file, folder), pad);
  try {
    const expected = enc.expectedLength();
    sink.write(enc.head());
    await readFile(file, (bytes, done) => {
      sink.write(enc.push(bytes));
      onProgress(done);
    });
    sink.write(enc.finish());
    return expected;
  } finally {
    enc.free();
  }
}
