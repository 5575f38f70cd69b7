#!/usr/bin/python3
"""stableid.py PREFIX MAC SECRET COUNTER: the SLAAC address Kiln forms
(RFC 7217, components/net/stableid6.c) for the /64 PREFIX (an address in
it) on the NIC with MAC, key SECRET (32 hex digits, ip6.secret=) and DAD
counter COUNTER: SipHash-2-4 of prefix (8 bytes), MAC (6) and counter
(1), big-endian into the low 64 bits. SipHash is written here from its
specification (Aumasson and Bernstein), so the test does not share the
guest's code."""
import ipaddress
import sys

M = (1 << 64) - 1


def rotl(x, b):
    return ((x << b) | (x >> (64 - b))) & M


def sipround(v):
    v[0] = (v[0] + v[1]) & M
    v[1] = rotl(v[1], 13) ^ v[0]
    v[0] = rotl(v[0], 32)
    v[2] = (v[2] + v[3]) & M
    v[3] = rotl(v[3], 16) ^ v[2]
    v[0] = (v[0] + v[3]) & M
    v[3] = rotl(v[3], 21) ^ v[0]
    v[2] = (v[2] + v[1]) & M
    v[1] = rotl(v[1], 17) ^ v[2]
    v[2] = rotl(v[2], 32)


def siphash24(key, msg):
    k0 = int.from_bytes(key[:8], "little")
    k1 = int.from_bytes(key[8:], "little")
    v = [k0 ^ 0x736F6D6570736575, k1 ^ 0x646F72616E646F6D,
         k0 ^ 0x6C7967656E657261, k1 ^ 0x7465646279746573]
    tail = len(msg) - len(msg) % 8
    blocks = [int.from_bytes(msg[i:i + 8], "little")
              for i in range(0, tail, 8)]
    blocks.append(int.from_bytes(msg[tail:], "little") |
                  (len(msg) & 255) << 56)
    for m in blocks:
        v[3] ^= m
        sipround(v)
        sipround(v)
        v[0] ^= m
    v[2] ^= 0xFF
    for _ in range(4):
        sipround(v)
    return v[0] ^ v[1] ^ v[2] ^ v[3]


def address(prefix, mac, secret, counter):
    p = ipaddress.IPv6Address(prefix).packed[:8]
    m = bytes.fromhex(mac.replace(":", ""))
    h = siphash24(bytes.fromhex(secret), p + m + bytes([counter]))
    return str(ipaddress.IPv6Address(p + h.to_bytes(8, "big")))


if __name__ == "__main__":
    # SipHash-2-4's reference vector first: a wrong port fails loudly.
    assert siphash24(bytes(range(16)), bytes(range(15))) == 0xA129CA6149BE45E5
    print(address(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])))
