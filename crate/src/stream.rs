//! Streaming Cobblestone-256: push/finish state machines over [`crate::hazmat`].
//!
//! The encryptor seals each full chunk as soon as it is complete and seals the
//! final, always-short chunk in [`StreamEncryptor::finish`], which consumes it.
//! The decryptor checks the key commitment before it opens anything, releases a
//! chunk's plaintext only after its tag verified, and reports truncation when the
//! stream ends without a short final chunk.

use crate::hazmat::{
    self, CHUNK_SIZE, COMMITMENT_SIZE, ChunkError, ChunkKeys, KEY_SIZE, MAX_CHUNKS, SALT_SIZE,
    SEALED_CHUNK_SIZE, TAG_SIZE,
};
use subtle::ConstantTimeEq;

/// Length of the salt and commitment that precede the chunks.
pub const PREFIX_SIZE: usize = SALT_SIZE + COMMITMENT_SIZE;

/// Errors of the chunked stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StreamError {
    /// The commitment does not match the key, salt and context.
    #[error("key commitment mismatch")]
    CommitmentMismatch,
    /// A chunk failed authentication.
    #[error("chunk {0} failed authentication")]
    Unauthentic(u64),
    /// The ciphertext ended without a valid final chunk.
    #[error("truncated")]
    Truncated,
    /// More ciphertext than the announced plaintext length allows.
    #[error("trailing data")]
    TrailingData,
    /// The final chunk failed authentication and the length is not known, so
    /// the stream was either cut inside a chunk or modified.
    #[error("final chunk {0} failed authentication")]
    FinalUnauthentic(u64),
    /// The chunk counter reached 2³⁸.
    #[error("too many chunks")]
    TooLarge,
}

fn map_chunk(index: u64, e: ChunkError) -> StreamError {
    match e {
        ChunkError::CounterOverflow(_) | ChunkError::ChunkTooLarge => StreamError::TooLarge,
        ChunkError::ChunkTooShort => StreamError::Truncated,
        ChunkError::Unauthentic => StreamError::Unauthentic(index),
    }
}

/// Chunks per task: 256 KiB of plaintext, four tasks per 1 MiB push.
const CHUNKS_PER_TASK: usize = 16;

/// Runs `task(first_index, input, output)` over consecutive runs of
/// [`CHUNKS_PER_TASK`] chunks, `input` cut every `in_chunk` bytes and `out`
/// every `out_chunk` bytes. With `parallel` the tasks are spread over the CPU's
/// cores (chunks are independent: each has its own nonce from its index);
/// otherwise (WASM) they run in order on the calling thread. Returns the first
/// error in stream order.
fn in_tasks<E: Send>(
    first: u64,
    (input, in_chunk): (&[u8], usize),
    (out, out_chunk): (&mut [u8], usize),
    task: impl Fn(u64, &[u8], &mut [u8]) -> Result<(), E> + Sync,
) -> Result<(), E> {
    let index = |t: usize| first + (t * CHUNKS_PER_TASK) as u64;
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        let results: Vec<_> = input
            .par_chunks(in_chunk * CHUNKS_PER_TASK)
            .zip(out.par_chunks_mut(out_chunk * CHUNKS_PER_TASK))
            .enumerate()
            .map(|(t, (i, o))| task(index(t), i, o))
            .collect();
        results.into_iter().collect()
    }
    #[cfg(not(feature = "parallel"))]
    {
        input
            .chunks(in_chunk * CHUNKS_PER_TASK)
            .zip(out.chunks_mut(out_chunk * CHUNKS_PER_TASK))
            .enumerate()
            .try_for_each(|(t, (i, o))| task(index(t), i, o))
    }
}

/// Encrypts a message chunk by chunk.
pub struct StreamEncryptor {
    keys: ChunkKeys,
    index: u64,
    buf: Vec<u8>,
}

impl StreamEncryptor {
    /// Starts a message; returns the encryptor and the salt ‖ commitment prefix.
    pub fn new(
        input_key: &[u8; KEY_SIZE],
        salt: &[u8; SALT_SIZE],
        context: &[u8],
    ) -> (Self, [u8; PREFIX_SIZE]) {
        let (keys, commitment) = hazmat::derive(input_key, salt, context);
        let mut prefix = [0u8; PREFIX_SIZE];
        prefix[..SALT_SIZE].copy_from_slice(salt);
        prefix[SALT_SIZE..].copy_from_slice(&commitment);
        let enc = Self {
            keys,
            index: 0,
            buf: Vec::with_capacity(SEALED_CHUNK_SIZE),
        };
        (enc, prefix)
    }

    /// Encrypts `data`, appending every completed chunk to `out`.
    pub fn push(&mut self, mut data: &[u8], out: &mut Vec<u8>) -> Result<(), StreamError> {
        if !self.buf.is_empty() {
            let take = (CHUNK_SIZE - self.buf.len()).min(data.len());
            self.buf.extend_from_slice(&data[..take]);
            data = &data[take..];
            if self.buf.len() < CHUNK_SIZE {
                return Ok(());
            }
            // A full chunk is never the final one: seal it now.
            self.seal_buffered(out)?;
        }
        let whole = data.len() - data.len() % CHUNK_SIZE;
        self.seal_whole(&data[..whole], out)?;
        self.buf.extend_from_slice(&data[whole..]);
        Ok(())
    }

    /// Seals `data`, a whole number of full chunks, straight into `out`.
    fn seal_whole(&mut self, data: &[u8], out: &mut Vec<u8>) -> Result<(), StreamError> {
        let count = (data.len() / CHUNK_SIZE) as u64;
        let next = self
            .index
            .checked_add(count)
            .filter(|&n| n < MAX_CHUNKS)
            .ok_or(StreamError::TooLarge)?;
        let start = out.len();
        out.resize(start + data.len() / CHUNK_SIZE * SEALED_CHUNK_SIZE, 0);
        let keys = &self.keys;
        in_tasks(
            self.index,
            (data, CHUNK_SIZE),
            (&mut out[start..], SEALED_CHUNK_SIZE),
            |i, plain, sealed| keys.seal_whole_chunks(i, plain, sealed),
        )
        .map_err(|e| map_chunk(self.index, e))?;
        self.index = next;
        Ok(())
    }

    fn seal_buffered(&mut self, out: &mut Vec<u8>) -> Result<(), StreamError> {
        let index = self.index;
        self.keys
            .seal_in_place(index, &mut self.buf)
            .map_err(|e| map_chunk(index, e))?;
        out.extend_from_slice(&self.buf);
        self.buf.clear();
        self.index = index.checked_add(1).ok_or(StreamError::TooLarge)?;
        if self.index >= MAX_CHUNKS {
            return Err(StreamError::TooLarge);
        }
        Ok(())
    }

    /// Seals the final (short, possibly empty) chunk. Consumes the encryptor so
    /// that nothing can follow the final chunk.
    pub fn finish(mut self, out: &mut Vec<u8>) -> Result<(), StreamError> {
        self.seal_buffered(out)
    }
}

/// Derives the chunk keys from the salt ‖ commitment `prefix` and checks the
/// commitment, in constant time, before any chunk may be opened.
pub fn open_prefix(
    input_key: &[u8; KEY_SIZE],
    prefix: &[u8; PREFIX_SIZE],
    context: &[u8],
) -> Result<ChunkKeys, StreamError> {
    let mut salt = [0u8; SALT_SIZE];
    salt.copy_from_slice(&prefix[..SALT_SIZE]);
    let (keys, commitment) = hazmat::derive(input_key, &salt, context);
    if !bool::from(commitment.ct_eq(&prefix[SALT_SIZE..])) {
        return Err(StreamError::CommitmentMismatch);
    }
    Ok(keys)
}

/// Decrypts a message chunk by chunk.
pub struct StreamDecryptor {
    keys: ChunkKeys,
    index: u64,
    buf: Vec<u8>,
    received: u64,
    expected: Option<u64>,
}

impl StreamDecryptor {
    /// Checks the commitment and prepares to decrypt. `prefix` is salt ‖ commitment.
    pub fn new(
        input_key: &[u8; KEY_SIZE],
        prefix: &[u8; PREFIX_SIZE],
        context: &[u8],
    ) -> Result<Self, StreamError> {
        Ok(Self {
            keys: open_prefix(input_key, prefix, context)?,
            index: 0,
            buf: Vec::with_capacity(SEALED_CHUNK_SIZE),
            received: 0,
            expected: None,
        })
    }

    /// Declares the authenticated plaintext length, once known (from metadata), so
    /// that truncation and trailing data are told apart from tampering.
    pub fn expect_plaintext_len(&mut self, len: u64) {
        self.expected = Some(hazmat::sealed_len(len) - PREFIX_SIZE as u64);
    }

    /// Decrypts `data`, appending the plaintext of every authenticated chunk to `out`.
    ///
    /// Errors are reported in stream order: a chunk that fails authentication
    /// before the announced end is reported as such, bytes past it as trailing
    /// data, however the input is split into pushes.
    pub fn push(&mut self, data: &[u8], out: &mut Vec<u8>) -> Result<(), StreamError> {
        let allowed = match self.expected {
            Some(e) => usize::try_from(e.saturating_sub(self.received)).unwrap_or(usize::MAX),
            None => usize::MAX,
        };
        let (mut data, excess) = data.split_at(data.len().min(allowed));
        self.received += data.len() as u64;
        if !self.buf.is_empty() {
            let take = (SEALED_CHUNK_SIZE - self.buf.len()).min(data.len());
            self.buf.extend_from_slice(&data[..take]);
            data = &data[take..];
            if self.buf.len() == SEALED_CHUNK_SIZE {
                // Either a non-final chunk, or the file was cut after it; `finish`
                // tells which. Opening it as chunk `index` is right in both cases.
                self.open_buffered(out)?;
            }
        }
        if self.buf.is_empty() {
            let whole = data.len() - data.len() % SEALED_CHUNK_SIZE;
            self.open_whole(&data[..whole], out)?;
            self.buf.extend_from_slice(&data[whole..]);
        }
        if !excess.is_empty() {
            return Err(StreamError::TrailingData);
        }
        Ok(())
    }

    /// Opens `data`, a whole number of full sealed chunks, straight into `out`;
    /// on failure `out` keeps only the chunks before the failing one.
    fn open_whole(&mut self, data: &[u8], out: &mut Vec<u8>) -> Result<(), StreamError> {
        let count = (data.len() / SEALED_CHUNK_SIZE) as u64;
        if self.index.saturating_add(count) > MAX_CHUNKS {
            return Err(StreamError::TooLarge);
        }
        let start = out.len();
        out.resize(start + data.len() / SEALED_CHUNK_SIZE * CHUNK_SIZE, 0);
        let keys = &self.keys;
        let opened = in_tasks(
            self.index,
            (data, SEALED_CHUNK_SIZE),
            (&mut out[start..], CHUNK_SIZE),
            |i, sealed, plain| keys.open_whole_chunks(i, sealed, plain),
        );
        if let Err((index, e)) = opened {
            let authentic = usize::try_from(index - self.index).unwrap_or(0) * CHUNK_SIZE;
            out[start + authentic..].fill(0);
            out.truncate(start + authentic);
            return Err(map_chunk(index, e));
        }
        self.index += count;
        Ok(())
    }

    /// Ciphertext bytes (after the prefix) accepted so far.
    pub fn received(&self) -> u64 {
        self.received
    }

    fn open_buffered(&mut self, out: &mut Vec<u8>) -> Result<(), StreamError> {
        let index = self.index;
        if index >= MAX_CHUNKS {
            return Err(StreamError::TooLarge);
        }
        self.keys
            .open_in_place(index, &mut self.buf)
            .map_err(|e| map_chunk(index, e))?;
        out.extend_from_slice(&self.buf);
        self.buf.clear();
        self.index += 1;
        Ok(())
    }

    /// Opens the final chunk. Fails with [`StreamError::Truncated`] when the
    /// stream ended on a chunk boundary or inside a tag.
    pub fn finish(mut self, out: &mut Vec<u8>) -> Result<(), StreamError> {
        if self.expected.is_some_and(|e| self.received < e) || self.buf.len() < TAG_SIZE {
            return Err(StreamError::Truncated);
        }
        let known_length = self.expected.is_some();
        self.open_buffered(out).map_err(|e| match e {
            StreamError::Unauthentic(i) if !known_length => StreamError::FinalUnauthentic(i),
            other => other,
        })
    }

    /// Number of chunks authenticated so far.
    pub fn chunks_done(&self) -> u64 {
        self.index
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encrypt(pt: &[u8], split: usize) -> Vec<u8> {
        let (mut enc, prefix) = StreamEncryptor::new(&[1; 32], &[2; 24], b"ctx");
        let mut out = prefix.to_vec();
        for piece in pt.chunks(split.max(1)) {
            enc.push(piece, &mut out).unwrap();
        }
        enc.finish(&mut out).unwrap();
        out
    }

    fn decrypt(ct: &[u8], split: usize) -> Result<Vec<u8>, StreamError> {
        let prefix: [u8; PREFIX_SIZE] = ct[..PREFIX_SIZE].try_into().unwrap();
        let mut dec = StreamDecryptor::new(&[1; 32], &prefix, b"ctx")?;
        let mut out = Vec::new();
        for piece in ct[PREFIX_SIZE..].chunks(split.max(1)) {
            dec.push(piece, &mut out)?;
        }
        dec.finish(&mut out)?;
        Ok(out)
    }

    const SIZES: [usize; 7] = [
        0,
        1,
        CHUNK_SIZE - 1,
        CHUNK_SIZE,
        CHUNK_SIZE + 1,
        2 * CHUNK_SIZE + 500,
        3 * CHUNK_SIZE,
    ];

    #[test]
    fn round_trip_matrix_around_chunk_boundaries() {
        for size in SIZES {
            let pt: Vec<u8> = (0..size).map(|i| (i * 31 % 251) as u8).collect();
            for split in [
                1000,
                CHUNK_SIZE,
                SEALED_CHUNK_SIZE,
                7 * CHUNK_SIZE,
                70 * SEALED_CHUNK_SIZE,
            ] {
                let ct = encrypt(&pt, split);
                assert_eq!(ct.len() as u64, hazmat::sealed_len(size as u64));
                assert_eq!(decrypt(&ct, split + 3).unwrap(), pt, "size {size}");
            }
        }
    }

    #[test]
    fn pushes_of_many_chunks_seal_like_one_chunk_at_a_time() {
        // 200 chunks cross several parallel tasks of 16 chunks when `parallel` is on.
        let pt: Vec<u8> = (0..200 * CHUNK_SIZE + 123)
            .map(|i| (i * 7 % 253) as u8)
            .collect();
        let (keys, commitment) = hazmat::derive(&[1; 32], &[2; 24], b"ctx");
        let mut expected = [2u8; 24].to_vec();
        expected.extend_from_slice(&commitment);
        for (i, piece) in pt.chunks(CHUNK_SIZE).enumerate() {
            expected.extend(keys.seal(i as u64, piece).unwrap());
        }
        for split in [pt.len(), 1000, 64 * CHUNK_SIZE + 7, 3 * CHUNK_SIZE] {
            assert!(encrypt(&pt, split) == expected, "split {split}");
        }
    }

    #[test]
    fn a_bad_chunk_in_a_large_push_releases_only_the_chunks_before_it() {
        let pt: Vec<u8> = (0..200 * CHUNK_SIZE + 9).map(|i| (i % 249) as u8).collect();
        let mut ct = encrypt(&pt, pt.len());
        ct[PREFIX_SIZE + 100 * SEALED_CHUNK_SIZE + 5] ^= 1;
        let prefix: [u8; PREFIX_SIZE] = ct[..PREFIX_SIZE].try_into().unwrap();
        let mut dec = StreamDecryptor::new(&[1; 32], &prefix, b"ctx").unwrap();
        let mut out = Vec::new();
        assert_eq!(
            dec.push(&ct[PREFIX_SIZE..], &mut out),
            Err(StreamError::Unauthentic(100))
        );
        assert!(
            out == pt[..100 * CHUNK_SIZE],
            "exactly the authentic chunks"
        );
    }

    #[test]
    fn truncation_at_every_boundary_is_detected() {
        let pt = vec![5u8; 2 * CHUNK_SIZE + 500];
        let ct = encrypt(&pt, 4096);
        for cut in [
            PREFIX_SIZE,
            PREFIX_SIZE + SEALED_CHUNK_SIZE,
            PREFIX_SIZE + 2 * SEALED_CHUNK_SIZE,
            PREFIX_SIZE + 5,
        ] {
            assert_eq!(
                decrypt(&ct[..cut], 999),
                Err(StreamError::Truncated),
                "cut {cut}"
            );
        }
        let cut = ct.len() - 1;
        assert_eq!(
            decrypt(&ct[..cut], 999),
            Err(StreamError::FinalUnauthentic(2))
        );
    }

    #[test]
    fn reordered_or_dropped_chunks_fail() {
        let pt = vec![9u8; 3 * CHUNK_SIZE + 10];
        let ct = encrypt(&pt, CHUNK_SIZE);
        let c = |i: usize| {
            &ct[PREFIX_SIZE + i * SEALED_CHUNK_SIZE..PREFIX_SIZE + (i + 1) * SEALED_CHUNK_SIZE]
        };
        let tail = &ct[PREFIX_SIZE + 3 * SEALED_CHUNK_SIZE..];
        let mut swapped = ct[..PREFIX_SIZE].to_vec();
        for part in [c(1), c(0), c(2), tail] {
            swapped.extend_from_slice(part);
        }
        assert_eq!(decrypt(&swapped, 5000), Err(StreamError::Unauthentic(0)));
        let mut dropped = ct[..PREFIX_SIZE].to_vec();
        for part in [c(0), c(2), tail] {
            dropped.extend_from_slice(part);
        }
        assert_eq!(decrypt(&dropped, 5000), Err(StreamError::Unauthentic(1)));
    }

    #[test]
    fn wrong_context_fails_commitment() {
        let ct = encrypt(b"abc", 10);
        let prefix: [u8; PREFIX_SIZE] = ct[..PREFIX_SIZE].try_into().unwrap();
        assert!(matches!(
            StreamDecryptor::new(&[1; 32], &prefix, b"other"),
            Err(StreamError::CommitmentMismatch)
        ));
    }

    #[test]
    fn expected_length_tells_truncation_and_trailing_data() {
        let pt = vec![1u8; CHUNK_SIZE + 100];
        let ct = encrypt(&pt, 777);
        let prefix: [u8; PREFIX_SIZE] = ct[..PREFIX_SIZE].try_into().unwrap();
        let body = &ct[PREFIX_SIZE..];
        let mut dec = StreamDecryptor::new(&[1; 32], &prefix, b"ctx").unwrap();
        dec.expect_plaintext_len(pt.len() as u64);
        let mut out = Vec::new();
        dec.push(&body[..body.len() - 3], &mut out).unwrap();
        assert_eq!(dec.finish(&mut out), Err(StreamError::Truncated));
        let mut dec = StreamDecryptor::new(&[1; 32], &prefix, b"ctx").unwrap();
        dec.expect_plaintext_len(pt.len() as u64);
        let mut longer = body.to_vec();
        longer.push(0);
        assert_eq!(dec.push(&longer, &mut out), Err(StreamError::TrailingData));
    }
}
