#!/usr/bin/env python3
"""Independent check of Cloak's test vectors, written from docs/FORMAT.md.

Uses only Python's `cryptography` package (AES-GCM, HMAC, HKDF, HPKE), none of
Cloak's code. Prints one line per vector and exits non-zero on any failure or
if fewer vectors than expected are found.
"""

import hashlib
import hmac
import json
import struct
import sys
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hpke import AEAD, KDF, KEM, Suite
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MIN_VECTORS = 91
CHUNK = 16384
TAG = 16
SEALED = CHUNK + TAG
PREFIX = 24 + 32
MAGIC = b"\x89CLOAK\r\n"
BUCKETS = (256, 1024, 4096)
MAX_CHUNKS = 1 << 38


class Fail(Exception):
    """A decryption failure with the format's error code."""

    def __init__(self, code):
        super().__init__(code)
        self.code = code


def hkdf_expand_sha512(prk, info, length):
    out, t, i = b"", b"", 1
    while len(out) < length:
        t = hmac.new(prk, t + info + bytes([i]), hashlib.sha512).digest()
        out += t
        i += 1
    return out[:length]


def derive(ikm, salt, context):
    info = b"c2sp.org/chunked-encryption@v1+AEAD_AES_256_GCM\x00" + salt + context
    okm = hkdf_expand_sha512(ikm, info, 76)
    return okm[:32], okm[32:44], okm[44:]


def nonce_for(base, index):
    if index >= MAX_CHUNKS:
        raise Fail("counter_overflow")
    return (int.from_bytes(base, "big") ^ index).to_bytes(12, "big")


def open_chunk(key, base, index, sealed):
    return AESGCM(key).decrypt(nonce_for(base, index), sealed, None)


def hkdf_sha256(ikm, salt, info):
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(ikm)


class Payload:
    """Cobblestone decryption over a complete byte string, in stream order.

    `limit` is the announced ciphertext length once known: chunks are opened
    in order, bytes past the limit are trailing data, a short stream is truncated.
    """

    def __init__(self, ikm, prefix, context):
        salt, commitment = prefix[:24], prefix[24:]
        self.key, self.base, want = derive(ikm, salt, context)
        if not hmac.compare_digest(want, commitment):
            raise Fail("commitment")

    def chunk(self, index, sealed):
        try:
            return open_chunk(self.key, self.base, index, sealed)
        except InvalidTag:
            raise Fail("tampered") from None


def cobblestone_decrypt(ikm, ct, context):
    if len(ct) < PREFIX:
        raise Fail("truncated")
    p = Payload(ikm, ct[:PREFIX], context)
    body = ct[PREFIX:]
    out, index = b"", 0
    while len(body) - index * SEALED >= SEALED:
        out += p.chunk(index, body[index * SEALED:(index + 1) * SEALED])
        index += 1
    final = body[index * SEALED:]
    if len(final) < TAG:
        raise Fail("truncated")
    return out + p.chunk(index, final)


def parse_header(data):
    n = min(len(data), len(MAGIC))
    if data[:n] != MAGIC[:n]:
        raise Fail("not_cloak")
    if len(data) < 10:
        return None
    if data[8] != 1:
        raise Fail("unsupported_version")
    count = data[9]
    if count == 0 or count > 64:
        raise Fail("malformed_header")
    pos, stanzas = 10, []
    for _ in range(count):
        if len(data) < pos + 3:
            return None
        kind, length = data[pos], struct.unpack(">H", data[pos + 1:pos + 3])[0]
        end = pos + 3 + length
        if end > 65536:
            raise Fail("malformed_header")
        if kind in (1, 2) and length != 80:
            raise Fail("malformed_header")
        if len(data) < end:
            return None
        stanzas.append((kind, data[pos + 3:end]))
        pos = end
    return stanzas, pos


def unwrap(stanzas, vault):
    key_ids, recipients, unsupported = [], 0, 0
    my_id = hkdf_sha256(vault, None, b"cloak/v1 key-id")[:16]
    sk = X25519PrivateKey.from_private_bytes(hkdf_sha256(vault, None, b"cloak/v1 x25519-identity"))
    suite = Suite(KEM.X25519, KDF.HKDF_SHA256, AEAD.AES_256_GCM)
    for kind, body in stanzas:
        if kind == 1:
            key_id, salt, wrapped = body[:16], body[16:32], body[32:]
            if key_id != my_id:
                key_ids.append(key_id)
                continue
            wrap = hkdf_sha256(vault, salt, b"cloak/v1 vault-wrap")
            try:
                return AESGCM(wrap).decrypt(bytes(12), wrapped, key_id)
            except InvalidTag:
                raise Fail("header_tampered") from None
        elif kind == 2:
            try:
                return suite.decrypt(body, sk, info=b"cloak/v1 x25519")
            except Exception:  # any failure means: not for us
                recipients += 1
        else:
            unsupported += 1
    raise Fail("wrong_key")


def decode_region(plain):
    if len(plain) < 2:
        return None
    length = struct.unpack(">H", plain[:2])[0]
    bucket = next((b for b in BUCKETS if 2 + length <= b), None)
    if bucket is None:
        raise Fail("bad_metadata")
    if len(plain) < bucket:
        return None
    if any(plain[2 + length:bucket]):
        raise Fail("bad_metadata")
    try:
        meta = json.loads(plain[2:2 + length].decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise Fail("bad_metadata") from None
    if not isinstance(meta, dict):
        raise Fail("bad_metadata")
    if meta.get("padding", 0) > 0 and "size" not in meta:
        raise Fail("bad_metadata")
    return meta, bucket


def sealed_body_len(plaintext_len):
    return plaintext_len + (plaintext_len // CHUNK + 1) * TAG


class Splitter:
    def __init__(self, meta):
        self.content_left = meta.get("size")
        self.padding_left = meta.get("padding", 0)
        self.out = b""

    def release(self, plain):
        if self.content_left is None:
            self.out += plain
            return
        take = min(self.content_left, len(plain))
        self.out += plain[:take]
        self.content_left -= take
        pad = plain[take:]
        if len(pad) > self.padding_left:
            raise Fail("trailing_data")
        if any(pad):
            raise Fail("bad_metadata")
        self.padding_left -= len(pad)

    def complete(self):
        if (self.content_left or 0) > 0 or self.padding_left > 0:
            raise Fail("truncated")


def cloak_decrypt(data, vault):
    if not data:
        raise Fail("not_cloak")
    parsed = parse_header(data)
    if parsed is None:
        raise Fail("truncated")
    stanzas, hlen = parsed
    if len(data) < hlen + PREFIX:
        raise Fail("truncated")
    file_key = unwrap(stanzas, vault)
    try:
        p = Payload(file_key, data[hlen:hlen + PREFIX], data[:hlen])
    except Fail:
        raise Fail("header_tampered") from None
    body = data[hlen + PREFIX:]

    def chunk(index, sealed, final_unknown_len=False):
        try:
            return p.chunk(index, sealed)
        except Fail:
            raise Fail("truncated_or_tampered" if final_unknown_len else "payload_tampered") from None

    # Chunk 0 holds the metadata region.
    if len(body) < SEALED:
        if len(body) < TAG:
            raise Fail("truncated")
        plain = chunk(0, body, final_unknown_len=True)
        decoded = decode_region(plain)
        if decoded is None:
            raise Fail("bad_metadata")
        meta, region = decoded
        s = Splitter(meta)
        s.release(plain[region:])
        s.complete()
        return s.out, meta
    plain = chunk(0, body[:SEALED])
    decoded = decode_region(plain)
    if decoded is None:
        raise Fail("bad_metadata")
    meta, region = decoded
    s = Splitter(meta)
    s.release(plain[region:])
    limit = None
    if "size" in meta:
        limit = sealed_body_len(region + meta["size"] + meta.get("padding", 0))
    visible = body if limit is None else body[:limit]
    index = 1
    while len(visible) - index * SEALED >= SEALED:
        s.release(chunk(index, visible[index * SEALED:(index + 1) * SEALED]))
        index += 1
    if limit is not None and len(body) > limit:
        raise Fail("trailing_data")
    if limit is not None and len(body) < limit:
        raise Fail("truncated")
    final = visible[index * SEALED:]
    if len(final) < TAG:
        raise Fail("truncated")
    s.release(chunk(index, final, final_unknown_len=limit is None))
    s.complete()
    return s.out, meta


def padme(length):
    if length < 2:
        return length
    e = length.bit_length() - 1
    mask = (1 << (e - e.bit_length())) - 1
    return (length + mask) & ~mask


def sized_padding(meta):
    """FORMAT.md 3.2: the padding a writer computes for `meta` (its own padding ignored)."""
    record = {k: v for k, v in meta.items() if k != "padding"}
    padding = 0
    while True:
        if padding:
            record["padding"] = padding
        length = len(json.dumps(record, separators=(",", ":"), ensure_ascii=False).encode())
        region = next(b for b in (256, 1024, 4096) if 2 + length <= b)
        nxt = padme(region + meta["size"] + padding) - region - meta["size"]
        if nxt == padding:
            return padding
        padding = nxt


def check_vector(v, root):
    ct = (root / v["ciphertext"]).read_bytes()
    want_pt = (root / v["plaintext"]).read_bytes() if "plaintext" in v else None
    kind = v["kind"]
    try:
        if kind == "cobblestone":
            got = cobblestone_decrypt(bytes.fromhex(v["input_key"]), ct, bytes.fromhex(v["context"]))
            meta = None
        elif kind == "nonce":
            key, base, commitment = derive(bytes.fromhex(v["input_key"]), bytes.fromhex(v["salt"]),
                                           bytes.fromhex(v["context"]))
            nonce = nonce_for(base, v["index"])
            assert key.hex() == v["key"] and base.hex() == v["base_nonce"], "derivation"
            assert commitment.hex() == v["commitment"] and nonce.hex() == v["nonce"], "nonce"
            assert AESGCM(key).encrypt(nonce, want_pt, None) == ct, "sealed chunk"
            got, meta = want_pt, None
        elif kind == "cloak":
            got, meta = cloak_decrypt(ct, bytes.fromhex(v["vault_key"]))
        else:
            return f"unknown kind {kind}"
    except Fail as f:
        if v["expect"] == "error" and f.code == v["error"]:
            return None
        return f"failed with {f.code}, expected {v.get('error', 'success')}"
    if v["expect"] == "error":
        return f"succeeded, expected {v['error']}"
    if got != want_pt:
        return "plaintext differs"
    if kind == "cloak" and meta != v["metadata"]:
        return f"metadata {meta} != {v['metadata']}"
    if v.get("padding_sized_by_rule") and sized_padding(v["metadata"]) != v["metadata"]["padding"]:
        return f"sized padding {sized_padding(v['metadata'])} != {v['metadata']['padding']}"
    return None


def main():
    root = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent)
    index = json.loads((root / "vectors.json").read_text())
    vectors = index["vectors"]
    passed = failed = 0
    for v in vectors:
        problem = check_vector(v, root)
        if problem is None:
            passed += 1
            print(f"ok    {v['name']}")
        else:
            failed += 1
            print(f"FAIL  {v['name']}: {problem}")
    if len(vectors) < MIN_VECTORS or index["count"] != len(vectors):
        failed += 1
        print(f"FAIL  vector-count: found {len(vectors)}, expected at least {MIN_VECTORS}")
    else:
        passed += 1
    print(f"python-vectors: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
