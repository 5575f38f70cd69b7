# lua5.4: the standalone interpreter, upstream's own Makefile ("posix":
# no readline, no dlopen: an image has no shared libraries to load).
SOURCE=lua5.4
PROGRAM=src/lua

port_build() {
    # Debian's 0001-build-system patch turns the Makefile into a libtool
    # build of shared and C++ libraries; Kiln links statically and has no
    # C++, so upstream's Makefile is taken back.
    if [ ! -f .kiln-upstream-makefile ]; then
        patch -R -s -p1 < debian/patches/0001-build-system.patch
        touch .kiln-upstream-makefile
    fi
    # Debian's module-path patch includes this header from debian/rules.
    echo '#define DEB_HOST_MULTIARCH "x86_64-linux-gnu"' > src/lua5.4-deb-multiarch.h
    make -C src posix CC="$CC -std=gnu99" MYCFLAGS=-Os
}
