#!/usr/bin/env python3
"""Independent reference implementation of the otc1 and otc2 package formats.

Written from docs/PROTOCOL.md (not from the C++ code) to derive the hard-coded test
vectors in otc_vectors_test.cc; uses Python's hmac/hashlib and the `cryptography`
package's Poly1305 (Debian: python3-cryptography). Not run by ctest.

    python3 tests/protocol/reference.py      # prints the vectors
"""
import base64
import hashlib
import hmac
import struct

from cryptography.hazmat.primitives.poly1305 import Poly1305


def stream(pad, index, direction, n):
    return bytes(pad[index + direction * k] for k in range(n))


def xor(a, b):
    assert len(a) == len(b)
    return bytes(x ^ y for x, y in zip(a, b))


def otc1_package(pad, msg, index, direction):
    m = len(msg)
    s = stream(pad, index, direction, 2 * m + 48)
    p_text, p_body, p_key = s[:m], s[m:2 * m + 32], s[2 * m + 32:]
    idx = index.to_bytes(6, "little")
    ct = xor(msg, p_text)
    tag = hmac.new(p_key, idx + ct, hashlib.sha256).digest()
    return idx + xor(ct + tag, p_body)


def bucket(n):
    if n <= 4096:
        return max(256, (n + 255) // 256 * 256)
    p = 1
    while p < n:
        p *= 2
    return p


def envelope(sent_ms=None, witness=None, extra=b""):
    """env_len u8 || fields; field = type u8 || len u8 || value. `extra`: raw fields
    appended after the known ones (e.g. an unknown type, to show it is skipped)."""
    fields = b""
    if sent_ms is not None:
        fields += bytes([1, 8]) + struct.pack("<q", sent_ms)
    if witness is not None:
        fields += bytes([2, 8]) + struct.pack("<Q", witness)
    fields += extra
    assert len(fields) <= 255
    return bytes([len(fields)]) + fields


def otc2_package(pad, msg, index, direction, filler=None, env=None):
    """filler=None: length not hidden; otherwise the filler bytes to use (hidden).
    env=None: no envelope; otherwise the encoded envelope put in front of msg (flag 0x02)."""
    flags = 0
    if env is not None:
        msg = env + msg
        flags |= 2
    m = len(msg)
    hidden = filler is not None
    if hidden:
        flags |= 1
    body_len = bucket(m + 4) if hidden else m
    s = stream(pad, index, direction, 32 + (4 + m if hidden else m))
    key = s[:32]
    header = struct.pack("<BBQI", 2, flags, index, body_len)
    if hidden:
        assert len(filler) == body_len - 4 - m
        body = xor(struct.pack("<I", m), s[32:36]) + xor(msg, s[36:36 + m]) + filler
    else:
        body = xor(msg, s[32:32 + m])
    return header + body + Poly1305.generate_tag(key, header + body)


if __name__ == "__main__":
    pad = bytes(i % 256 for i in range(200))
    print("otc1 +1 'hi'  @0   b64:", base64.b64encode(otc1_package(pad, b"hi", 0, 1)).decode())
    print("otc1 -1 'yo!' @199 hex:", otc1_package(pad, b"yo!", 199, -1).hex())
    print("otc2 +1 'hi'  @0   hex:", otc2_package(pad, b"hi", 0, 1).hex())
    print("otc2 -1 'yo!' @199 hex:", otc2_package(pad, b"yo!", 199, -1).hex())
    big = bytes(i % 256 for i in range(4096))
    msg40 = bytes(range(0x41, 0x41 + 40))
    print("otc2 +1 40B   @1000 hidden, filler=0xAA*212 hex:",
          otc2_package(big, msg40, 1000, 1, bytes([0xAA]) * 212).hex())
    # Envelope: sent 2026-12-06T15:00:00.123Z = 1796569200123 ms, witness 77.
    env = envelope(1796569200123, 77)
    assert len(env) == 21
    print("otc2 +1 'hi'  @0   envelope(sent=1796569200123, witness=77) hex:",
          otc2_package(pad, b"hi", 0, 1, env=env).hex())
    print("otc2 -1 'yo!' @199 envelope(sent=-1, witness=2**64-1) + unknown field 9 hex:",
          otc2_package(pad, b"yo!", 199, -1,
                       env=envelope(-1, 2**64 - 1, bytes([9, 3, 1, 2, 3]))).hex())
    print("otc2 +1 40B   @1000 hidden + envelope(sent=1796569200123, witness=77), "
          "filler=0xAA*191 hex:",
          otc2_package(big, msg40, 1000, 1, bytes([0xAA]) * 191, env=env).hex())
