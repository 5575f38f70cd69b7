# redis: redis-server with its bundled dependencies (hiredis, lua,
# linenoise), by its own Makefile: libc's malloc (jemalloc is a second
# allocator on top of an image's pages for no gain), no systemd, no TLS.
SOURCE=redis
PROGRAM=src/redis-server

port_build() {
    make -j2 -C src redis-server CC="$CC" OPTIMIZATION=-O2 MALLOC=libc \
        USE_SYSTEMD=no BUILD_TLS=no USE_SYSTEM_JEMALLOC=no
}
