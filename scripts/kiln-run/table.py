#!/usr/bin/python3 -S
"""table.py OUT.h: the facts scripts/kiln-run takes from kiln_cli.py,
written as a C header at build time, so that the launcher keeps no copy
of kiln's QEMU options that could drift from the Python code.

The QEMU arguments are what kiln_cli.qemu_args returns for a plain
`kiln run IMAGE` on microvm with TCG, without a NIC or with one of QEMU's
user networking (SHAPES), called with marker values in place of the
image, the memory, the kernel command line, the scratch directory and
the user network's options: the launcher puts the real values where the
markers are. An option the launcher reads must be in kiln_cli's option table,
and each marker must come back in the arguments, or the build fails
here instead of the launcher guessing. The hash of kiln_cli.py lets the
launcher see that the Python code changed since this table was made
(it then runs the Python code until make rebuilds it).
"""

import os
import sys

HERE = os.path.dirname(os.path.realpath(__file__))
SCRIPTS = os.path.dirname(HERE)
sys.path.insert(0, SCRIPTS)
import kiln_cli as k  # noqa: E402

# marker byte, then a letter: what kiln-run.h calls MARK_*
MARKS = {"image": "\x01I", "mem": "\x01M", "cmdline": "\x01A",
         "scratch": "\x01S", "net": "\x01N"}
# the options kiln-run reads itself (kiln-run/options.c), each with the
# one value whose QEMU arguments the table holds, or None (any value
# that is put in place of a marker, or that picks a shape)
HANDLED = {"--mem": None, "--boot": None, "--timeout": None,
           "--machine": "microvm", "--accel": "tcg", "--print-qemu": None,
           "--net": None}
# the NICs of each shape, in kiln-run.h's order (SHAPE_*): none, one
# with QEMU's user networking, the same with options (hostfwd=...)
SHAPES = ([], ["user"], ["user," + MARKS["net"]])


def fnv1a64(data):
    """FNV-1a, 64 bits (kiln-run/main.c computes the same)."""
    h = 0xcbf29ce484222325
    for b in data:
        h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
    return h


def check_handled():
    table = dict(k.RUN_OPTIONS + (k.RUN_TIMEOUT, k.RUN_XEN, k.RUN_PRINT))
    for flag, value in HANDLED.items():
        if flag not in table:
            sys.exit(f"table.py: kiln_cli has no option {flag}")
        if value is not None and value not in table[flag].get("choices"):
            sys.exit(f"table.py: {flag} {value} is not one of its choices")


def shape_args(nets):
    """(QEMU's arguments, the devices' kernel options) for a run with
    NETS: the kernel command line is one marker, which the launcher
    fills with the boot options, these kernel options, then -- ARGS,
    as kiln_cli.kernel_cmdline orders them."""
    opts = k.parse_args(["run", MARKS["image"], "--mem", "1",
                         "--machine", HANDLED["--machine"],
                         "--accel", HANDLED["--accel"]])
    # markers are no values the parser takes: set them after it
    opts.mem, opts.boot, opts.net = MARKS["mem"], [MARKS["cmdline"]], nets
    args = k.qemu_args(opts, "elf", MARKS["scratch"], "stdio")
    kernel = k.device_args(opts)[1]
    whole = k.kernel_cmdline([], opts.boot + kernel)
    if args.count(whole) != 1:
        sys.exit(f"table.py: no -append {whole!r} in {args}")
    args[args.index(whole)] = MARKS["cmdline"]
    for name, mark in MARKS.items():
        if name != "net" and not any(mark in a for a in args):
            sys.exit(f"table.py: qemu_args ignores the {name}")
    if any(MARKS["net"] in n for n in nets) != \
            any(MARKS["net"] in a for a in args):
        sys.exit("table.py: qemu_args ignores the user network's options")
    return args, kernel


def c_string(text):
    """TEXT as a C string literal (octal escapes: three digits, so the
    next character is never taken into one)."""
    return '"' + "".join(c if " " <= c <= "~" and c not in '"\\?' else
                         f"\\{ord(c):03o}" for c in text) + '"'


def words(name, items):
    return [f"static const char *const {name}[] = {{"] + \
        [f"    {c_string(a)}," for a in items] + ["    NULL,", "};"]


def header(digest):
    lines = ["/* Made by scripts/kiln-run/table.py from scripts/kiln_cli.py:"
             " do not edit. */",
             f"#define TABLE_QEMU {c_string(k.QEMU)}",
             f"#define TABLE_DEFAULT_MEM {k.DEFAULT_MEM}",
             f"#define TABLE_KILN_ABI {c_string(k.KILN_ABI.decode())}",
             f"#define TABLE_EXIT_NO_STATUS {k.EXIT_NO_STATUS}",
             f"#define TABLE_EXIT_TIMEOUT {k.EXIT_TIMEOUT}",
             f"#define TABLE_SOURCE_HASH 0x{digest:016x}ULL",
             f"#define TABLE_MACHINE {c_string(HANDLED['--machine'])}",
             f"#define TABLE_ACCEL {c_string(HANDLED['--accel'])}"]
    for n, nets in enumerate(SHAPES):
        args, kernel = shape_args(nets)
        lines += words(f"table_qemu{n}", args)
        lines += words(f"table_kernel{n}", kernel)
    lines.append("static const struct shape table_shapes[] = {")
    lines += [f"    {{table_qemu{n}, table_kernel{n}}},"
              for n in range(len(SHAPES))]
    lines += ["};", ""]
    return "\n".join(lines)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: table.py OUT.h")
    with open(os.path.join(SCRIPTS, "kiln_cli.py"), "rb") as f:
        digest = fnv1a64(f.read())
    check_handled()
    text = header(digest)
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write(text)
    os.replace(sys.argv[1] + ".tmp", sys.argv[1])


if __name__ == "__main__":
    main()
