#!/usr/bin/python3 -S
"""ksyms.py ELF > ksyms.S: the symbol table platform/ksym.c reads for
backtraces, from a first link of the image.

Text symbols only, sorted by address, each one entry: the distance from
the previous address (ULEB128), how many leading bytes its name shares
with the previous name (one byte, at most 255), then the rest of the
name, NUL-ended. Neighbours in address order come from one file and
share prefixes (tcp_, sys_, ext2_). The rests are then byte-pair
encoded: names are ASCII, so each byte 0x80-0xff stands for two bytes
(either of which may be such a byte too), the pairs most frequent in
this image's names, in kiln_ksym_pairs. Both steps bring httpd's table
from 23 to under 10 KiB, which every image loads; ksym.c walks it from
the start, which costs only a panic a moment. Where several names share
an address (musl's weak aliases), the strong one is kept.

Limits: a name of more than 255 bytes shares at most 255 with the next;
a name with a byte outside ASCII stops the build.
"""
import subprocess
import sys

FIRST_PAIR = 0x80
PAIRS_MAX = 0x100 - FIRST_PAIR
PAIR_MIN_USES = 3  # a pair costs 2 bytes in the table: below this, a loss


def text_symbols(elf):
    """[(address, name)] of the code, in address order, one per address."""
    out = subprocess.run(["nm", "-n", "--defined-only", elf], check=True,
                         capture_output=True, text=True).stdout
    syms, weak = [], []
    for line in out.splitlines():
        f = line.split()
        if len(f) != 3 or f[1] not in "tTwW" or f[2].startswith("."):
            continue
        addr, is_weak = int(f[0], 16), f[1] in "wW"
        if syms and syms[-1][0] == addr:
            if weak[-1] and not is_weak:
                syms[-1], weak[-1] = (addr, f[2]), False
            continue
        syms.append((addr, f[2]))
        weak.append(is_weak)
    return syms


def shared_prefix(a, b):
    n = 0
    while n < 255 and n < len(a) and n < len(b) and a[n] == b[n]:
        n += 1
    return n


def pair_counts(rests):
    counts = {}
    for r in rests:
        for i in range(len(r) - 1):
            p = r[i:i + 2]
            counts[p] = counts.get(p, 0) + 1
    return counts


def encode(rests):
    """Byte-pair encode rests in place; returns the pairs, in code order.
    Ties go to the smaller pair, so the same names give the same table."""
    pairs = []
    while len(pairs) < PAIRS_MAX:
        counts = pair_counts(rests)
        if not counts:
            break
        best = min(counts, key=lambda p: (-counts[p], p))
        if counts[best] < PAIR_MIN_USES:
            break
        code = bytes([FIRST_PAIR + len(pairs)])
        rests[:] = [r.replace(best, code) for r in rests]
        pairs.append(best)
    return pairs


def decode(rest, pairs):
    out, stack = bytearray(), list(reversed(rest))
    while stack:
        b = stack.pop()
        if b < FIRST_PAIR:
            out.append(b)
        else:
            stack.extend(reversed(pairs[b - FIRST_PAIR]))
    return bytes(out)


def table(syms):
    names = [n.encode() for _, n in syms]
    if any(max(n) >= FIRST_PAIR for n in names if n):
        sys.exit(f"ksyms.py: a symbol name is not ASCII: {names}")
    keeps, rests, last = [], [], b""
    for n in names:
        k = shared_prefix(n, last)
        keeps.append(k)
        rests.append(n[k:])
        last = n
    plain = list(rests)
    pairs = encode(rests)
    for r, p in zip(rests, plain):
        assert decode(r, pairs) == p, "ksyms.py: the encoding lost a name"
    return keeps, rests, pairs


def byte_list(data):
    return ", ".join(str(b) for b in data)


def main():
    syms = text_symbols(sys.argv[1])
    keeps, rests, pairs = table(syms)
    out = ["\t.section .ksyms, \"a\"", "\t.balign 4",
           "\t.globl kiln_ksym_count, kiln_ksym_pairs, kiln_ksyms",
           f"kiln_ksym_count:\n\t.long {len(syms)}", "kiln_ksym_pairs:"]
    out += [f"\t.byte {byte_list(p)}" for p in pairs]
    out.append("kiln_ksyms:")
    prev = 0
    for (addr, _), keep, rest in zip(syms, keeps, rests):
        out.append(f"\t.uleb128 {addr - prev}\n\t.byte {keep}"
                   f"{', ' if rest else ''}{byte_list(rest)}, 0")
        prev = addr
    print("\n".join(out))


if __name__ == "__main__":
    main()
