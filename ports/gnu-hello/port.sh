# gnu-hello: GNU hello, the smallest autoconf program in Debian, built the
# way any autoconf program takes kiln-cc: ./configure CC=kiln-cc && make.
SOURCE=hello
PROGRAM=hello

port_build() {
    [ -f Makefile ] || ./configure CC="$CC"
    make -j2
}
