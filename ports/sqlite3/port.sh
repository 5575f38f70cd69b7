# sqlite3: the command-line shell, from Debian's full source tree (the
# amalgamation is generated with tclsh, as Debian does), by autoconf's
# ./configure with CC=kiln-cc: static, no readline, no Tcl binding, no
# loadable extensions (an image has no dlopen).
SOURCE=sqlite3
PROGRAM=build/sqlite3

port_build() {
    mkdir -p build
    cd build
    [ -f Makefile ] || ../configure CC="$CC" CFLAGS=-Os --disable-shared \
        --disable-readline --disable-editline --disable-tcl \
        --disable-load-extension --disable-math --enable-threadsafe
    make -j2 sqlite3
}
