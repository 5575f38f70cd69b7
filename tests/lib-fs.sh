# lib-fs.sh: the tree tests/apps/fstest expects (see tests/apps/fstest/fstest_read.c),
# and what it leaves on an ext2 disk, shared by the file system tests
# (tests/boot/fs-*, tests/posix/fstest). Source after lib.sh.

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
    fs_pattern 200000 > "$d/big"
    : > "$d/mode600"
    printf '#!/bin/sh\n' > "$d/exec.sh"
    chmod 644 "$d/hello.txt" "$d/sub/deep.txt" "$d/big"
    chmod 600 "$d/mode600"
    chmod 755 "$d/exec.sh" "$d" "$d/sub"
}

# fs_pattern N: N bytes of fstest's pattern() (tests/apps/fstest/fstest.c).
fs_pattern() {
    python3 -c 'import sys; sys.stdout.buffer.write(bytes(
        (i * 131 + i // 251) & 0xff for i in range('"$1"')))'
}

# fs_need_e2fsprogs NAME: 0 if mkfs.ext2, e2fsck and debugfs are there;
# else prints a SKIP line for NAME and fails.
fs_need_e2fsprogs() {
    local tool
    for tool in mkfs.ext2 e2fsck debugfs; do
        if ! command -v "$tool" >/dev/null; then
            echo "ok - $1 # SKIP $tool missing (apt-get install e2fsprogs)"
            return 1
        fi
    done
}

# fs_dbg IMAGE PATH: the file's content as debugfs reads it
fs_dbg() { debugfs -R "cat $2" "$1" 2>/dev/null; }

# fs_host_check IMAGE: what `fstest rw` left in /out of an ext2 image,
# as debugfs reads it; says what is wrong and fails at the first.
fs_host_check() {
    local img=$1 stat
    [ "$(fs_dbg "$img" /out/result.txt)" = "fstest wrote this" ] ||
        { echo "out/result.txt: $(fs_dbg "$img" /out/result.txt | head -c 80)"; return 1; }
    cmp -s <(fs_dbg "$img" /out/big.bin) <(fs_pattern 300000) ||
        { echo "out/big.bin differs"; return 1; }
    [ "$(fs_dbg "$img" /out/sub/moved.txt)" = moved ] || { echo moved.txt; return 1; }
    [ "$(fs_dbg "$img" /out/renamed.txt)" = renamed ] || { echo renamed.txt; return 1; }
    [ "$(fs_dbg "$img" /out/many/f49)" = 49 ] || { echo many/f49; return 1; }
    [ "$(fs_dbg "$img" /out/mapped.txt)" = "written through a shared mapping" ] ||
        { echo "out/mapped.txt (a shared mapping left at exit)"; return 1; }
    stat=$(debugfs -R "stat /out/result.txt" "$img" 2>/dev/null)
    grep -q 'Mode:  0600' <<<"$stat" || { echo "result.txt mode"; return 1; }
    grep -q 'mtime: 0x3b9aca00' <<<"$stat" || { echo "result.txt mtime"; return 1; }
    debugfs -R "stat /out/lnk" "$img" 2>/dev/null | grep -q 'Fast link dest: "result.txt"' ||
        { echo "out/lnk"; return 1; }
    [ "$(debugfs -R 'ls -p /out/many' "$img" 2>/dev/null | grep -c '/f[0-9]')" = 25 ] ||
        { echo "out/many does not hold 25 files"; return 1; }
}
