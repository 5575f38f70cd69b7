# walk.sh: the walk gdb takes through tests/apps/gdbtest, shared by the
# image's own stub on bare metal (tests/boot/gdbstub) and on a Xen domU's
# channel (tests/xen/full): break at main, continue, print a global,
# step a line and print it again, continue into gdbtest_report, take a
# backtrace, list the threads, continue to the normal exit (status 52).
# Sourced; needs KILN_ROOT.

# gdb_walk TARGET ELF SECONDS: gdb in batch mode against `target remote
# TARGET`, all it printed on stdout; at most SECONDS.
gdb_walk() {
    (cd "$KILN_ROOT" && timeout "$3" gdb -q -batch -nx \
        -ex "set remotetimeout $(($3 / 2))" -ex "target remote $1" \
        -ex 'break gdbtest_report' -ex 'break main' \
        -ex continue -ex 'print gdbtest_count' -ex step \
        -ex 'print gdbtest_count' -ex continue -ex backtrace \
        -ex 'info threads' -ex continue "$2" 2>&1)
}

# gdb_walk_ok TRACE: 0 if gdb saw every stop and value it should.
gdb_walk_ok() {
    echo "$1" | grep -q 'Breakpoint 2, main ()' &&
        echo "$1" | grep -q '^\$1 = 41$' &&
        echo "$1" | grep -q '^\$2 = 42$' &&
        echo "$1" | grep -q '^#1 .* main () at tests/apps/gdbtest/gdbtest.c' &&
        echo "$1" | grep -q '^\* 1 *Thread 1 '
}
