#!/usr/bin/env python3
"""mkhostile.py SRC DIR: write broken variants of the static executable
SRC into DIR, one file per way an ELF file can be wrong, each named for
the line app/exec must refuse it with (tests/exec/hostile/run)."""
import os
import struct
import sys

PHDR = struct.Struct("<IIQQQQQQ")  # type flags offset vaddr paddr filesz memsz align
PT_LOAD = 1


def phdrs(b):
    phoff, = struct.unpack_from("<Q", b, 0x20)
    phnum, = struct.unpack_from("<H", b, 0x38)
    return [(phoff + i * PHDR.size) for i in range(phnum)]


def loads(b):
    return [o for o in phdrs(b) if PHDR.unpack_from(b, o)[0] == PT_LOAD]


def patch_load(b, index, **fields):
    o = loads(b)[index]
    names = ["type", "flags", "offset", "vaddr", "paddr", "filesz",
             "memsz", "align"]
    values = dict(zip(names, PHDR.unpack_from(b, o)))
    values.update(fields)
    PHDR.pack_into(b, o, *[values[n] for n in names])
    return b


def variants(src):
    v = {}
    v["not-elf"] = b"#!/bin/sh\necho not an executable\n"
    v["short-header"] = src[:20]
    b = bytearray(src); b[4] = 1
    v["elf32"] = b
    v["cut-phdrs"] = src[:0x60]
    v["cut-segment"] = src[:200000]
    first = PHDR.unpack_from(src, loads(src)[0])
    second = PHDR.unpack_from(src, loads(src)[1])
    v["huge-segment"] = patch_load(bytearray(src), 1, memsz=1 << 40)
    v["overlap"] = patch_load(bytearray(src), 1, vaddr=first[3],
                              paddr=first[3])
    v["misaligned"] = patch_load(bytearray(src), 1,
                                 vaddr=second[3] + 0x800)
    v["over-kernel"] = patch_load(bytearray(src), 0, vaddr=0x100000,
                                  paddr=0x100000)
    v["wx-segment"] = patch_load(bytearray(src), 1, flags=7)
    b = bytearray(src); struct.pack_into("<Q", b, 0x18, 0x7fff0000)
    v["entry-outside"] = b
    return v


def main():
    src = open(sys.argv[1], "rb").read()
    for name, data in variants(src).items():
        with open(os.path.join(sys.argv[2], name), "wb") as f:
            f.write(data)


main()
