#!/bin/sh
# ksyms.sh ELF > ksyms.S: the symbol table that panic.c uses for
# backtraces, from a first link of the image. Text symbols only, sorted by
# address, each one entry: the distance from the previous address
# (ULEB128), how many leading bytes its name shares with the previous
# name (one byte, at most 255), then the rest of the name, NUL-ended.
# Neighbours in address order come from one file and share prefixes
# (tcp_, sys_, ext2_), so the table is a third smaller than addresses
# and whole names, which every image loads; panic.c walks it from the
# start, which costs only a panic a moment. Where several names share
# an address (musl's weak aliases), the strong one is kept.
set -eu
nm -n --defined-only "$1" | awk '
    BEGIN { n = 0 }
    $2 !~ /^[tTwW]$/ || $3 ~ /^\./ { next }
    n && addr[n - 1] == $1 { if (weak[n - 1] && $2 !~ /[wW]/) { name[n - 1] = $3; weak[n - 1] = 0 } next }
    { addr[n] = $1; name[n] = $3; weak[n] = ($2 ~ /[wW]/); n++ }
    END {
        print "\t.section .ksyms, \"a\""
        print "\t.balign 4"
        print "\t.globl kiln_ksym_count, kiln_ksyms"
        print "kiln_ksym_count:\n\t.long " n
        print "kiln_ksyms:"
        prev = "0"; last = ""
        for (i = 0; i < n; i++) {
            s = 0
            while (s < 255 && s < length(last) &&
                   substr(name[i], s + 1, 1) == substr(last, s + 1, 1))
                s++
            printf "\t.uleb128 0x%s - 0x%s\n\t.byte %d\n\t.asciz \"%s\"\n",
                addr[i], prev, s, substr(name[i], s + 1)
            prev = addr[i]; last = name[i]
        }
    }'
