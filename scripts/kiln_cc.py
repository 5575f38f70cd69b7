#!/usr/bin/python3 -S
"""kiln_cc.py: kiln-cc, a C compiler driver for programs built outside the
tree (scripts/kiln-cc runs it, except for plain compiles).

Use it as CC for make, ./configure, meson or cmake. It runs the host's
gcc against Debian's musl headers (plus Linux's UAPI headers and the few
headers musl lacks, in scripts/kiln-cc-lib/include), with the code flags
Kiln images need, and links an ordinary static Linux executable against
musl's libc.a: configure's run checks pass and the program runs on the
host.

The executable also carries the program for `kiln bake`: one relocatable
object (`ld -r` of the program's own objects and archives: everything on
the link line but musl and gcc's runtime) in the non-loaded ELF section
.kiln.bundle. Baking needs only the executable, so a cleaned build tree
does not matter.

Limits: C only (C++ is refused: Kiln has no libstdc++ for musl); static
only (-shared is refused); sources on the link line are compiled first,
one by one; libraries must be static archives (-lNAME finds libNAME.a
in -L directories, then kiln-cc's and musl's).
"""

import os
import shlex
import signal
import subprocess
import sys

HERE = os.path.dirname(os.path.realpath(__file__))
ROOT = os.path.dirname(HERE)
SUPPORT = os.path.join(HERE, "kiln-cc-lib")
GCC = os.environ.get("KILN_GCC", "gcc")
MUSL_INC = "/usr/include/x86_64-linux-musl"
MUSL_LIB = "/usr/lib/x86_64-linux-musl"
TRIPLE = "x86_64-linux-musl"
BUNDLE_SECTION = ".kiln.bundle"
# libcrypt.a: musl in Debian has no crypt (kiln-cc-lib/crypt.c says more).
LIB_SOURCES = ["crypt.c", "sha512.c"]
# Linux's UAPI headers, from linux-libc-dev, without glibc's headers
# beside them (the same directories the Makefile's SYSINC links).
UAPI = {"linux": "/usr/include/linux", "asm-generic": "/usr/include/asm-generic",
        "asm": "/usr/include/x86_64-linux-gnu/asm"}
# Code flags every image needs; the user's own flags come after and win.
# Static non-PIE code at a fixed address, sections for --gc-sections.
CODE_FLAGS = ["-fno-pic", "-fno-pie", "-fno-stack-protector",
              "-ffunction-sections", "-fdata-sections"]
SOURCE_EXTS = (".c", ".s", ".S", ".i")
CXX_EXTS = (".cc", ".cpp", ".cxx", ".C", ".c++", ".ii")
# Flags that only mean something to the link (dropped when kiln-cc
# compiles a source named on a link line); those taking an argument.
LINK_ONLY = {"-static", "-shared", "-rdynamic", "-pie", "-no-pie", "-s",
             "-static-pie", "-nostdlib", "-nostartfiles", "-nodefaultlibs"}
LINK_ONLY_PREFIX = ("-l", "-L", "-Wl,", "-static-lib")
LINK_ONLY_ARG = {"-Xlinker", "-T", "-u", "-z"}
WITH_ARG = {"-I", "-D", "-U", "-include", "-imacros", "-isystem",
            "-iquote", "-idirafter", "-MF", "-MT", "-MQ",
            "-Xlinker", "-T", "-u", "-Xpreprocessor", "-Xassembler", "-z",
            "-arch", "-aux-info", "--param", "-iprefix", "-iwithprefix"}
COMPILE_ONLY = {"-c", "-S", "-E", "-M", "-MM", "-fsyntax-only"}


def die(msg, status=1):
    sys.stderr.write("kiln-cc: %s\n" % msg)
    sys.exit(status)


def run(cmd):
    """Run cmd; on failure exit with its status (its stderr is the message)."""
    rc = subprocess.call(cmd)
    if rc:
        sys.exit(rc)


def gcc_out(*args):
    return subprocess.run([GCC, *args], capture_output=True, text=True,
                          check=True).stdout.strip()


def state_dir():
    """Generated files live under images/ and are made again when missing
    (after `make clean`) or older than this script or libcrypt's sources:
    the UAPI links, libcrypt.a, and cflags, the compile flags one per
    line, which scripts/kiln-cc reads for plain compiles without Python.
    Built in a temporary directory and renamed into place, so parallel
    compiles never see half of it."""
    d = os.path.join(ROOT, "images", "kiln-cc")
    stamp = os.path.join(d, "cflags")
    lib_sources = [os.path.join(SUPPORT, f) for f in LIB_SOURCES]
    sources = [os.path.realpath(__file__)] + lib_sources + [
        os.path.join(SUPPORT, "sha512.h")]
    if os.path.exists(stamp) and all(os.path.getmtime(stamp) >= os.path.getmtime(f)
                                     for f in sources):
        return d
    import tempfile
    os.makedirs(os.path.dirname(d), exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="kiln-cc.", dir=os.path.dirname(d))
    inc, lib = os.path.join(tmp, "uapi"), os.path.join(tmp, "lib")
    os.makedirs(inc)
    os.makedirs(lib)
    for name, target in UAPI.items():
        os.symlink(target, os.path.join(inc, name))
    objs = [os.path.join(lib, os.path.basename(c)[:-2] + ".o")
            for c in lib_sources]
    for c, o in zip(lib_sources, objs):
        run([GCC, *base_cflags(tmp), "-O2", "-c", c, "-o", o])
    run(["ar", "rcD", os.path.join(lib, "libcrypt.a"), *objs])
    for o in objs:
        os.unlink(o)
    with open(os.path.join(tmp, "cflags"), "w") as f:
        f.write("\n".join(base_cflags(d)) + "\n")
    old = tmp + ".old"
    try:  # a stale copy moves aside; another kiln-cc may win the race
        if os.path.exists(d):
            os.rename(d, old)
        os.rename(tmp, d)
    except OSError:
        pass
    subprocess.call(["rm", "-rf", tmp, old])
    return d


def base_cflags(state):
    return ["-nostdinc", "-isystem", MUSL_INC,
            "-isystem", os.path.join(SUPPORT, "include"),
            "-isystem", gcc_out("-print-file-name=include"),
            "-isystem", os.path.join(state, "uapi"), *CODE_FLAGS]


def query(args):
    """Answer the -print-*/-dump*/--version questions build systems ask;
    None if args are not such a query."""
    a = args[0] if len(args) == 1 else None
    if a == "-dumpmachine":
        return TRIPLE
    if a in ("-dumpversion", "-dumpfullversion"):
        return gcc_out(a)
    if a == "--version":
        rest = gcc_out("--version").split("\n", 1)
        return "kiln-cc (gcc %s, musl) %s\n%s" % (
            gcc_out("-dumpfullversion"), gcc_out("-dumpfullversion"),
            rest[1] if len(rest) > 1 else "")
    if a == "-v":
        sys.stderr.write("kiln-cc: gcc against musl (%s), static, for Kiln "
                         "images\nTarget: %s\n" % (MUSL_LIB, TRIPLE))
        subprocess.call([GCC, "-v"])
        return ""
    if a == "-print-search-dirs":
        out = gcc_out(a).splitlines()
        libs = [os.path.join(state_dir(), "lib"), MUSL_LIB,
                os.path.dirname(gcc_out("-print-libgcc-file-name"))]
        return "\n".join([line for line in out if line.startswith(
            ("install:", "programs:"))] + ["libraries: =" + ":".join(libs)])
    if a == "-print-libgcc-file-name" or (a and a.startswith("-print-prog-name=")):
        return gcc_out(a)
    if a and a.startswith("-print-file-name="):
        name = a.split("=", 1)[1]
        for d in (os.path.join(state_dir(), "lib"), MUSL_LIB):
            if name and os.path.exists(os.path.join(d, name)):
                return os.path.join(d, name)
        return gcc_out(a)
    if a in ("-print-multiarch",):
        return TRIPLE
    if a in ("-print-multi-directory", "-print-multi-os-directory"):
        return "."
    if a == "-print-sysroot":
        return ""
    return None


def refuse_unsupported(args):
    for a, nxt in zip(args, args[1:] + [""]):
        cxx = a.startswith("-xc++") or (a == "-x" and nxt.startswith("c++"))
        if cxx or (a.endswith(CXX_EXTS) and not a.startswith("-")):
            die("%s: C++ is not supported (Kiln has no C++ runtime for musl; "
                "there is no kiln-c++)" % (nxt if a == "-x" else a))
        if a in ("-shared", "-static-pie"):
            die("%s is not supported: Kiln links programs statically "
                "(configure with --disable-shared)" % a)


def split_link(args):
    """Sort a link line, in order, into flags (lists of argv words),
    inputs (kind, value) and -L directories."""
    out, flags, inputs, libdirs, lang = "a.out", [], [], [], None
    i = 0
    while i < len(args):
        a = args[i]
        nxt = args[i + 1] if i + 1 < len(args) else ""
        i += 1
        if a in ("-l", "-L"):  # the separate-argument spellings
            a, i = a + nxt, i + 1
        if a == "-o":
            out, i = nxt, i + 1
        elif a == "-x":  # the language of the inputs that follow
            lang, i = (None if nxt == "none" else nxt), i + 1
        elif lang and (not a.startswith("-") or a == "-"):
            inputs.append(("src", (lang, a)))
        elif a in WITH_ARG:
            flags.append([a, nxt])
            i += 1
        elif a.startswith("-L"):
            libdirs.append(a[2:])
            flags.append([a])
        elif a.startswith("-l"):
            inputs.append(("lib", a[2:]))
        elif a.startswith("-Wl,"):
            inputs.append(("wl", a))
        elif a in ("-pie", "-no-pie", "-rdynamic", "-static", "-pthread"):
            continue  # always static, never PIE; threads are in libc
        elif not a.startswith("-") and a.endswith(SOURCE_EXTS):
            inputs.append(("src", (None, a)))
        elif not a.startswith("-") or a == "-":
            inputs.append(("file", a))
        else:
            flags.append([a])
    return out, flags, inputs, libdirs


def compile_flags(flags):
    """The flags of a link line that also matter when compiling."""
    keep = []
    for f in flags:
        a = f[0]
        if a in LINK_ONLY or a in LINK_ONLY_ARG or a.startswith(LINK_ONLY_PREFIX):
            continue
        keep += f
    return keep


def find_lib(name, libdirs, state):
    """-lNAME as libNAME.a, -l:FILE as FILE, in the -L directories first."""
    file = name[1:] if name.startswith(":") else "lib%s.a" % name
    for d in libdirs + [os.path.join(state, "lib"), MUSL_LIB]:
        p = os.path.join(d, file)
        if os.path.exists(p):
            return p
    die("cannot find -l%s as a static library (%s) in %s" %
        (name, file, " ".join(libdirs + [MUSL_LIB])))


def link(args, state):
    out, flags, inputs, libdirs = split_link(args)
    if not any(kind in ("src", "file", "lib") for kind, _ in inputs):
        # -Wl,--version and friends: nothing to bundle.
        run([GCC, *base_cflags(state), *args])
        return
    import tempfile
    with tempfile.TemporaryDirectory(prefix="kiln-cc.") as tmp:
        files = []  # (kind, path) with sources compiled
        for n, (kind, v) in enumerate(inputs):
            if kind == "src":
                lang, v = v
                obj = os.path.join(tmp, "%d-%s.o" % (n, os.path.basename(v)))
                run([GCC, *base_cflags(state), *compile_flags(flags), "-c",
                     *(["-x", lang] if lang else []), v, "-o", obj])
                kind, v = "file", obj
            if kind == "lib":
                kind, v = "file", find_lib(v, libdirs, state)
            files.append((kind, v))
        host_link(out, flags, files, state)
        if not os.path.isfile(out) or os.path.islink(out):
            return  # -o /dev/null: a link check, nothing to carry
        bundle = os.path.join(tmp, "bundle.o")
        make_bundle(bundle, files)
        run(["objcopy", "--add-section", "%s=%s" % (BUNDLE_SECTION, bundle),
             "--set-section-flags", "%s=readonly,contents" % BUNDLE_SECTION,
             out])


def host_link(out, flags, files, state):
    """An ordinary static Linux executable: musl's crt files and libc.a."""
    gdir = os.path.dirname(gcc_out("-print-libgcc-file-name"))
    eh = os.path.join(gdir, "libgcc_eh.a")
    cmd = [GCC, "-static", "-no-pie", "-nostdlib", "-o", out,
           os.path.join(MUSL_LIB, "crt1.o"), os.path.join(MUSL_LIB, "crti.o"),
           os.path.join(gdir, "crtbeginT.o"), *[w for f in flags for w in f],
           *[v for _, v in files],
           "-L" + os.path.join(state, "lib"), "-L" + MUSL_LIB,
           "-Wl,--start-group", os.path.join(MUSL_LIB, "libc.a"),
           os.path.join(gdir, "libgcc.a")] + ([eh] if os.path.exists(eh) else [])
    run(cmd + ["-Wl,--end-group", os.path.join(gdir, "crtend.o"),
               os.path.join(MUSL_LIB, "crtn.o")])


def make_bundle(bundle, files):
    """ld -r of the program's objects and archives, musl's left out (the
    image links its own libc.a). -d gives common symbols their space so
    bake can make them local."""
    # -u main: a main that lives in an archive is pulled in like crt1.o's
    # reference pulls it into the executable.
    cmd = ["ld", "-r", "-d", "--build-id=none", "-u", "main", "-o", bundle,
           "--start-group"]
    for kind, v in files:
        if kind == "wl":
            cmd += [w for w in v.split(",")[1:] if w in (
                "--whole-archive", "--no-whole-archive")]
        elif os.path.dirname(os.path.realpath(v)) != MUSL_LIB:
            cmd.append(v)
    run(cmd + ["--end-group"])


def expand_response_files(args):
    """@FILE arguments (meson and cmake use them for long lines), as gcc
    reads them: whitespace-separated, with shell-like quoting."""
    out = []
    for a in args:
        if a.startswith("@") and os.path.isfile(a[1:]):
            with open(a[1:]) as f:
                out += shlex.split(f.read())
        else:
            out.append(a)
    return out


def main(argv):
    # Die quietly on a closed pipe (`kiln-cc --version | grep -q`), as gcc.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    # Link-time optimisation is dropped: LTO objects hold GCC's IR, which
    # the bundle's ld -r would carry without code.
    args = [a for a in expand_response_files(argv[1:])
            if not a.startswith(("-flto", "-ffat-lto"))]
    if not args:
        die("no input files", 1)
    answer = query(args)
    if answer is not None:
        if answer:
            print(answer)
        return
    refuse_unsupported(args)
    state = state_dir()
    if any(a in COMPILE_ONLY for a in args):
        os.execvp(GCC, [GCC, *base_cflags(state), *args])
    link(args, state)


if __name__ == "__main__":
    main(sys.argv)
