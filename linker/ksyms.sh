#!/bin/sh
# ksyms.sh ELF > ksyms.S: the symbol table that panic.c uses for
# backtraces, from a first link of the image. Text symbols only, sorted by
# address: their addresses, then their names in the same order (no
# offsets: panic.c counts its way to the name, which keeps the table
# small in every image and costs only a panic a moment). Where
# several names share an address (musl's weak aliases), the strong one
# is kept.
set -eu
nm -n --defined-only "$1" | awk '
    BEGIN { n = 0 }
    $2 !~ /^[tTwW]$/ || $3 ~ /^\./ { next }
    n && addr[n - 1] == $1 { if (weak[n - 1] && $2 !~ /[wW]/) { name[n - 1] = $3; weak[n - 1] = 0 } next }
    { addr[n] = $1; name[n] = $3; weak[n] = ($2 ~ /[wW]/); n++ }
    END {
        print "\t.section .ksyms, \"a\""
        print "\t.balign 4"
        print "\t.globl kiln_ksym_count, kiln_ksyms, kiln_ksym_names"
        print "kiln_ksym_count:\n\t.long " n
        print "kiln_ksyms:"
        for (i = 0; i < n; i++)
            printf "\t.long 0x%s\n", addr[i]
        print "kiln_ksym_names:"
        for (i = 0; i < n; i++)
            printf "\t.asciz \"%s\"\n", name[i]
    }'
