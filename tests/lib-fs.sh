# lib-fs.sh: the tree app/fstest expects (see app/fstest/fstest_read.c),
# shared by the file system boot tests. Source after lib.sh.

# make_fs_tree DIR ROOT: DIR/t as fstest reads it when DIR is mounted at
# ROOT (the absolute symlink t/abs names ROOT/t/sub).
make_fs_tree() {
    local d=$1/t root=${2%/}
    mkdir -p "$d/sub"
    printf 'hello, kiln\n' > "$d/hello.txt"
    printf 'deep\n' > "$d/sub/deep.txt"
    ln -s hello.txt "$d/link"
    ln -s "$root/t/sub" "$d/abs"
    ln -s loop2 "$d/loop1"
    ln -s loop1 "$d/loop2"
    python3 -c 'import sys; sys.stdout.buffer.write(bytes(
        (i * 131 + i // 251) & 0xff for i in range(200000)))' > "$d/big"
    : > "$d/mode600"
    printf '#!/bin/sh\n' > "$d/exec.sh"
    chmod 644 "$d/hello.txt" "$d/sub/deep.txt" "$d/big"
    chmod 600 "$d/mode600"
    chmod 755 "$d/exec.sh" "$d" "$d/sub"
}
