"""kiln: boot and test Kiln unikernel images under QEMU.

  kiln run IMAGE [options] [-- ARGS...]    boot, exit with the app's status
  kiln test IMAGE --expect REGEX [...]     boot, check, print one TAP line
  kiln xl-config IMAGE [...] [-- ARGS...]  print an xl config (Xen images)
  kiln libvirt-xml IMAGE [...] [-- ARGS...]  print a libvirt domain
  kiln bake PROGRAM [-o IMAGE] [...]       image from a kiln-cc program (kiln-bake)
  kiln run|test --exec FILE [...]          a static Linux executable, unmodified,
                                           under the loader image (kiln_exec.py)

`run --xen` boots a Xen image with xl on a Xen dom0, `run|test --testbed`
as a domU in scripts/xen-testbed (the Xen side lives in kiln_xen.py).

The guest reports its exit status twice: the text "exit=N" on the debugcon
port 0xe9 (read from a file in a scratch directory), then N on QEMU's
isa-debug-exit port 0xf4. Usage and configuration errors print one line
starting "kiln: " and exit 2. Standard library only.
"""

# A boot through kiln should cost no more than QEMU's own (README,
# bench/boot). scripts/kiln runs Debian's interpreter by path (a pyenv
# or venv shim on PATH costs 100 ms and more), without site (-S: only
# the standard library is used), and imports this module so that its
# bytecode is cached. `kiln run` then imports nothing that Python has
# not loaded already but struct and _signal: argparse, re and enum
# (signal's wrapper) cost 15 ms together, twice what the rest of kiln
# costs, so run's options are read by parse_run_quickly from the same
# table argparse is built from, and argparse only reads what that
# cannot (help, errors); the other commands import what they need.
# A plain `kiln run IMAGE` (microvm, TCG, --mem, --boot, --timeout, one
# --net user) does not reach this code at all when `make` has built
# scripts/kiln-run: that launcher boots it with the QEMU arguments its
# table.py took from qemu_args below, and hands anything else to this
# code. A change here rebuilds the table (make); until then the
# launcher hands every run over.
import os
import struct
import sys

import _signal as signal  # signal.py is this plus enum (6 ms to import)

QEMU = "qemu-system-x86_64"
OVMF = "/usr/share/ovmf/OVMF.fd"
HERE = os.path.dirname(os.path.realpath(__file__))
MKISO = os.path.join(HERE, "mkiso")
MKCPIO = os.path.join(HERE, "mkcpio")

DEFAULT_MEM = 4    # httpd serves in 4, hello needs 3 (it mallocs 1 MiB)
UEFI_MEM = 64      # OVMF resets below ~32 MiB and hangs at 32
ISO_MEM = 8        # GRUB (BIOS) with a boot archive hangs in 4
EXIT_USAGE = 2
EXIT_NO_STATUS = 1
EXIT_TIMEOUT = 124
KILN_ABI = b"1"

# Fastest microvm that still has the PIT, PIC, RTC and ISA serial port.
# x-option-roms=off: qboot loads the PVH kernel itself, no ROM needed.
# acpi=off saves a few ms; auto-kernel-cmdline=off keeps QEMU from
# appending virtio_mmio.device=... to our command line (it would land
# in the application's argv).
MICROVM = ("microvm,x-option-roms=off,pit=on,pic=on,rtc=on,isa-serial=on,"
           "acpi=off,auto-kernel-cmdline=off")
# microvm's virtio-mmio transport N sits at this base + N * 512 with IRQ
# 5 + N (QEMU hw/i386/microvm.c); kiln plugs disks into transports in
# order and names them on the command line itself, before "--".
MMIO_BASE, MMIO_STRIDE, MMIO_IRQ = 0xfeb00000, 512, 5
MMIO_SLOTS = 8  # with acpi=off: IRQs 5..12
MAX_DISKS = 8
MAX_NICS = 4
COMMON_QEMU_ARGS = ["-nodefaults", "-no-user-config", "-display", "none",
                    "-no-reboot"]
DEBUG_EXIT = "isa-debug-exit,iobase=0xf4,iosize=0x04"

RUN_HELP = """\
Boot IMAGE under QEMU with its console (COM1) on stdout and stdin, and
exit with the application's exit status. ARGS after -- become the
application's argv[1..] (kiln quotes them for the kernel command line).
The default machine is microvm booting the ELF directly (PVH); pc and
q35 boot it the same way, --iso through GRUB from a CD.
"""

TEST_HELP = """\
Boot IMAGE with its console captured and print one TAP line:
  ok - NAME: matched /REGEX/, exit N
  not ok - NAME: REASON            (then the last console lines as `# `)
REGEX is a Python regular expression, MULTILINE, searched in the whole
console output; N is the expected exit status. QEMU is stopped at the
timeout. Exit status: 0 ok, 1 not ok, 2 usage or configuration error.
"""

EXIT_STATUS_HELP = """\
exit status (kiln run):
  N      the application's exit status, from "exit=N" on debugcon (0xe9),
         else decoded from QEMU's isa-debug-exit code (QEMU status 2N+1)
  1      also: QEMU stopped without a status from the guest (reset, triple
         fault, QEMU error), or the host failed kiln (a full disk, a QEMU
         that cannot start); kiln says so on stderr
  2      also: kiln usage or configuration error ("kiln: ..." on stderr)
  124    --timeout expired; QEMU was stopped
  255    also: kernel panic (a "PANIC:" line on the console)
"""


class KilnError(Exception):
    """A usage or configuration error: one line on stderr, exit 2."""


# ---------------------------------------------------------------- images

def file_reader(f):
    """READ(offset, size) -> the bytes there, from the open file F: kiln
    reads the headers and notes it checks, not a whole image."""
    size = os.fstat(f.fileno()).st_size

    def read(offset, n):
        if offset >= size:
            return b""
        return os.pread(f.fileno(), min(n, size - offset), offset)
    read.size = size
    return read


def elf_segments(read):
    """(end of the program headers, [(p_type, p_offset, p_filesz)]) of
    an ELF file, or None if it is not one."""
    head = read(0, 64)
    if head[:4] != b"\x7fELF" or len(head) < 64 or head[5] != 1:
        return None
    is64 = head[4] == 2
    if is64:
        phoff, = struct.unpack_from("<Q", head, 32)
        phentsize, phnum = struct.unpack_from("<HH", head, 54)
    else:
        phoff, = struct.unpack_from("<I", head, 28)
        phentsize, phnum = struct.unpack_from("<HH", head, 42)
    table = read(phoff, phentsize * phnum)
    segments = []
    for i in range(phnum):
        at = i * phentsize
        if at + (56 if is64 else 32) > len(table):
            break
        if is64:
            p_type, = struct.unpack_from("<I", table, at)
            p_offset, = struct.unpack_from("<Q", table, at + 8)
            p_filesz, = struct.unpack_from("<Q", table, at + 32)
        else:
            p_type, p_offset = struct.unpack_from("<II", table, at)
            p_filesz, = struct.unpack_from("<I", table, at + 16)
        segments.append((p_type, p_offset, p_filesz))
    return phoff + phentsize * phnum, segments


def read_elf_notes(read):
    """[(name, type, desc)] from every PT_NOTE; None if not an ELF."""
    elf = elf_segments(read)
    if elf is None:
        return None
    notes = []
    for p_type, p_offset, p_filesz in elf[1]:
        if p_type == 4:  # PT_NOTE
            notes += parse_notes(read(p_offset, p_filesz))
    return notes


def parse_notes(blob):
    notes, pos = [], 0
    while pos + 12 <= len(blob):
        namesz, descsz, ntype = struct.unpack_from("<III", blob, pos)
        name_at = pos + 12
        desc_at = name_at + align4(namesz)
        name = blob[name_at:name_at + namesz].rstrip(b"\0")
        notes.append((name, ntype, blob[desc_at:desc_at + descsz]))
        pos = desc_at + align4(descsz)
    return notes


def align4(n):
    return (n + 3) & ~3


def image_notes(path):
    """PATH's ELF notes (None if not an ELF)."""
    with open(path, "rb") as f:
        return read_elf_notes(file_reader(f))


def check_image(path):
    """Fail unless PATH is a readable Kiln ELF or an ISO; say which."""
    if not os.path.exists(path):
        raise KilnError(f"{path}: no such file; build one with `make APP=...`")
    if os.path.isdir(path):
        raise KilnError(f"{path} is a directory, not a Kiln image")
    try:
        with open(path, "rb") as f:
            read = file_reader(f)
            if read(0x8001, 5) == b"CD001":  # ISO 9660's first descriptor
                return "iso"
            check_not_truncated(path, read)
            check_kiln_note(path, read_elf_notes(read))
    except OSError as e:
        raise KilnError(f"cannot read {path}: {e.strerror}")
    return "elf"


def check_not_truncated(path, read):
    """An ELF whose program headers or segments run past the file's end
    was cut short (an interrupted copy or download): say so plainly."""
    elf = elf_segments(read)
    if elf is None:
        return
    need = max([elf[0]] + [off + size for _, off, size in elf[1]])
    if need > read.size:
        raise KilnError(f"{path} is truncated ({read.size} bytes, its "
                        f"segments need {need}); rebuild or copy it again")


def check_kiln_note(path, notes):
    why = "not an ELF file" if notes is None else "no Kiln ELF note"
    for name, ntype, desc in notes or []:
        if name == b"Kiln" and ntype == 1:
            version = desc.rstrip(b"\0")
            if version != KILN_ABI:
                raise KilnError(
                    f"{path} has Kiln ABI "
                    f"{version.decode(errors='replace')!r}, this kiln runs "
                    f"ABI {KILN_ABI.decode()}; rebuild the image")
            return
    raise KilnError(f"{path} is not a Kiln image ({why}); "
                    "build one with `make APP=...`")


# ---------------------------------------------------------------- options

class OptionError(ValueError):
    """A bad option value, said in one line (argparse's
    ArgumentTypeError once argparse_type has wrapped the check)."""


def parser_class():
    """argparse's parser, its errors one "kiln: ..." line and exit 2;
    argparse is imported here, when kiln needs more than
    parse_run_quickly reads."""
    import argparse

    class Parser(argparse.ArgumentParser):
        def error(self, message):
            command = self.prog.split()[1:]
            where = f"{command[0]}: " if command else ""
            raise KilnError(f"{where}{message}; see `{self.prog} --help`")

        def _get_formatter(self):
            # argparse's own asks shutil for the width, on every
            # add_argument: 3 ms of imports (bz2, lzma, fnmatch).
            return self.formatter_class(prog=self.prog, width=help_width())

    return Parser


def argparse_type(check):
    """CHECK as argparse's type=: an OptionError becomes its message."""
    import argparse

    def converted(text):
        try:
            return check(text)
        except OptionError as e:
            # a ValueError would get argparse's "invalid VALUE" instead
            raise argparse.ArgumentTypeError(str(e))
    converted.__name__ = check.__name__
    return converted


def help_width():
    """The terminal's columns as shutil.get_terminal_size counts them
    ($COLUMNS, else stdout's size, else 80), less argparse's margin."""
    try:
        return int(os.environ["COLUMNS"]) - 2
    except (KeyError, ValueError):
        pass
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns - 2
    except (AttributeError, ValueError, OSError):
        return 78


def mem_mib(text):
    if not text.isdigit() or int(text) < 1:
        raise OptionError(
            f"expected a whole number of MiB (e.g. 16), got {text!r}")
    return int(text)


def seconds(text):
    try:
        value = float(text)
    except ValueError:
        value = -1
    if not 0 < value < 1e6:
        raise OptionError(
            f"expected a positive number of seconds, got {text!r}")
    return value


def rootfs_spec(text):
    """A directory to pack, or a newc cpio archive as it is."""
    if not os.path.exists(text):
        raise OptionError(
            f"{text}: no such directory or cpio archive")
    return os.path.abspath(text)


def disk_spec(text):
    """FILE or FILE,ro -> (absolute path, read_only). FILE may itself
    contain commas; only a final ",ro" is a flag."""
    read_only = text.endswith(",ro")
    path = text[:-3] if read_only else text
    if not os.path.isfile(path):
        head, sep, flag = text.rpartition(",")
        if sep and os.path.isfile(head):
            raise OptionError(
                f"unknown disk flag {flag!r} in {text!r}; use FILE or FILE,ro")
        raise OptionError(f"{path}: no such disk image file")
    if not os.access(path, os.R_OK | (0 if read_only else os.W_OK)):
        raise OptionError(
            f"{path}: not {'readable' if read_only else 'writable'}; "
            "fix its permissions or attach it with ,ro")
    return os.path.abspath(path), read_only


def net_spec(text):
    """user[,hostfwd=...], tap:IFNAME or none -> a QEMU -netdev body;
    bridge:NAME stays as it is (Xen's vif, see kiln_xen.py)."""
    if text == "none":
        return None
    if text.startswith("bridge:") and ifname_ok(text[7:]):
        return text
    if text == "user" or text.startswith("user,"):
        for opt in text.split(",")[1:]:
            if not hostfwd_ok(opt):
                raise OptionError(
                    f"bad user option {opt!r}; use hostfwd=tcp:HOST:PORT-:PORT")
        return text
    if text.startswith("tap:") and ifname_ok(text[4:]):
        if not os.path.exists(f"/sys/class/net/{text[4:]}"):
            raise OptionError(
                f"no network interface {text[4:]!r}; create the TAP device "
                f"first (ip tuntap add dev {text[4:]} mode tap)")
        return f"tap,ifname={text[4:]},script=no,downscript=no"
    raise OptionError(
        f"{text!r}: use user[,hostfwd=...], tap:IFNAME, bridge:NAME (Xen) "
        "or none")


def ifname_ok(name):
    """A Linux interface name: 1 to 15 of letters, digits, _ . -"""
    return 0 < len(name) <= 15 and \
        all(c.isalnum() or c in "_.-" for c in name)


def hostfwd_ok(opt):
    """hostfwd=tcp|udp:[HOSTADDR]:PORT-[GUESTADDR]:PORT (QEMU's syntax)."""
    key, _, rule = opt.partition("=")
    proto, _, ends = rule.partition(":")
    host, dash, guest = ends.partition("-")
    return key == "hostfwd" and proto in ("tcp", "udp") and bool(dash) \
        and addr_port_ok(host) and addr_port_ok(guest)


def addr_port_ok(text):
    addr, colon, port = text.rpartition(":")
    return bool(colon) and port.isdecimal() and \
        all(c in "0123456789." for c in addr)


def tcp_port(text):
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise OptionError(
            f"expected a TCP port 1-65535, got {text!r}")
    return int(text)


def exit_status(text):
    if not text.isdigit() or int(text) > 255:
        raise OptionError(
            f"expected an exit status 0-255, got {text!r}")
    return int(text)


def boot_option(text):
    if not text or any(c.isspace() for c in text) or text == "--":
        raise OptionError(
            f"expected one boot option without spaces (such as ip=dhcp), "
            f"got {text!r}")
    return text


# run's and test's options (test adds its own, run --xen): one table for
# argparse and for parse_run_quickly. Defaults: None, [] for "append",
# False for "store_true", unless the entry gives one.
RUN_OPTIONS = (
    ("--mem", dict(type=mem_mib, metavar="MiB",
                   help=f"guest memory in MiB (default {DEFAULT_MEM}; "
                        f"{ISO_MEM} with --iso, {UEFI_MEM} with --uefi: "
                        f"GRUB and OVMF need it)")),
    ("--accel", dict(choices=["tcg", "kvm"], default="tcg",
                     help="tcg (default; -cpu max) or kvm (-cpu host, "
                          "needs a usable /dev/kvm)")),
    ("--machine", dict(choices=["microvm", "pc", "q35"],
                       help="QEMU machine (default microvm; pc with --iso, "
                            "q35 with --uefi)")),
    ("--iso", dict(action="store_true",
                   help="boot the ISO through GRUB (IMAGE.iso next to an "
                        ".elf, or IMAGE itself); with ARGS, a temporary "
                        "ISO is made with scripts/mkiso")),
    ("--uefi", dict(action="store_true",
                    help="boot the ISO under OVMF (implies --iso)")),
    ("--gdb", dict(type=tcp_port, metavar="PORT",
                   help="wait for gdb on tcp::PORT before the first "
                        "instruction")),
    ("--disk", dict(type=disk_spec, action="append", metavar="FILE[,ro]",
                    help="attach a raw disk image as virtio-blk (PCI on pc "
                         "and q35, virtio-mmio on microvm); repeatable, the "
                         "guest sees /dev/vda, /dev/vdb, ...")),
    ("--net", dict(type=net_spec, action="append", metavar="SPEC",
                   help="add a NIC: user[,hostfwd=tcp:HOST:PORT-:PORT...] "
                        "(QEMU's user networking), tap:IFNAME (an existing "
                        "TAP device) or none; repeatable, NIC n is the "
                        "guest's n-th")),
    ("--boot", dict(type=boot_option, action="append", metavar="OPT",
                    help="a boot option for the kernel command line, before "
                         "the application's ARGS: ip=dhcp, "
                         "ip=ADDR::GW:MASK, key=value; repeatable")),
    ("--rootfs", dict(type=rootfs_spec, metavar="DIR|ARCHIVE",
                      help="the files the guest sees at / (read-only): a "
                           "directory, packed as a newc cpio archive, or "
                           "such an archive; handed over as a boot module")),
    ("--nic", dict(choices=["virtio", "e1000"], default="virtio",
                   help="NIC model (default virtio: PCI on pc/q35, "
                        "virtio-mmio on microvm)")),
    ("--testbed", dict(action="store_true",
                       help="run a Xen image as a PVH domU in "
                            "scripts/xen-testbed (Xen in QEMU; minutes)")),
)
RUN_TIMEOUT = ("--timeout", dict(type=seconds, metavar="S",
                                 help="stop QEMU after S seconds (default: "
                                      "never)"))
RUN_XEN = ("--xen", dict(action="store_true",
                         help="on a Xen dom0: boot the Xen image with "
                              "`xl create -c` instead of QEMU"))
RUN_PRINT = ("--print-qemu", dict(action="store_true",
                                  help="print the QEMU command instead of "
                                       "running it (its debugcon file is "
                                       "in a directory kiln removes)"))


def option_default(kw):
    action = kw.get("action")
    if action == "append":
        return []
    return False if action == "store_true" else kw.get("default")


def add_options(p, table):
    for flag, kw in table:
        kw = dict(kw)
        if "type" in kw:
            kw["type"] = argparse_type(kw["type"])
        kw["default"] = option_default(kw)
        p.add_argument(flag, **kw)


def add_run_options(p, timeout_default, timeout_help):
    p.add_argument("image", metavar="IMAGE",
                   help="a Kiln image: images/APP-TARGET.elf, or its .iso")
    add_options(p, RUN_OPTIONS)
    p.add_argument(RUN_TIMEOUT[0], type=argparse_type(seconds),
                   default=timeout_default, metavar="S", help=timeout_help)


class Options:
    """What argparse's Namespace holds, for parse_run_quickly."""

    def __init__(self, **values):
        self.__dict__.update(values)


def parse_run_quickly(argv):
    """`kiln run IMAGE [options]` read without argparse, from the same
    table; None when argparse must read it: anything else, --help, a
    bad or odd option (argparse then says what is wrong)."""
    table = dict(RUN_OPTIONS + (RUN_TIMEOUT, RUN_XEN, RUN_PRINT))
    values = {dest(flag): option_default(kw) for flag, kw in table.items()}
    images = []
    words = iter(argv[1:])
    for word in words:
        if not word.startswith("-"):
            images.append(word)
            continue
        flag, eq, value = word.partition("=")
        kw = table.get(flag)
        if kw is None:
            return None
        if kw.get("action") == "store_true":
            if eq:
                return None
            values[dest(flag)] = True
            continue
        value = value if eq else next(words, None)
        value = option_value(kw, value)
        if value is None:
            return None
        if kw.get("action") == "append":
            values[dest(flag)].append(value)
        else:
            values[dest(flag)] = value
    if argv[:1] != ["run"] or len(images) != 1:
        return None
    return Options(command="run", image=images[0], **values)


def dest(flag):
    """argparse's attribute for FLAG: --print-qemu -> print_qemu."""
    return flag[2:].replace("-", "_")


def option_value(kw, text):
    """TEXT checked as argparse would; None if argparse must say why."""
    if text is None or text.startswith("-"):
        return None
    try:
        value = kw["type"](text) if "type" in kw else text
    except OptionError:
        return None
    if "choices" in kw and value not in kw["choices"]:
        return None
    return value


def make_parser(command=None):
    import argparse
    Parser = parser_class()
    top = Parser(prog="kiln", allow_abbrev=False,
                 formatter_class=argparse.RawDescriptionHelpFormatter,
                 description=__doc__.split("\n\n")[0],
                 epilog="`kiln COMMAND --help` describes each command.")
    sub = top.add_subparsers(dest="command", metavar="COMMAND",
                             parser_class=Parser)
    add_run_parser(sub)
    add_test_parser(sub)
    if command == "xl-config":
        add_xl_config_parser(sub)
    else:  # its options need kiln_xen: only for the command itself
        sub.add_parser("xl-config", help=XL_CONFIG_HELP)
    add_libvirt_parser(sub)
    sub.add_parser("help", help="show this help")
    return top


LIBVIRT_HELP = """\
Print a libvirt domain that boots IMAGE with its disks, NICs and command
line: `kiln libvirt-xml IMAGE [options] > d.xml; virsh create d.xml`.
A baremetal image becomes a QEMU domain (type qemu, TCG; kvm with --accel
kvm) booting the ELF directly on --machine pc (default) or q35, its
console (COM1) on a pty (`virsh console`) or --console FILE. QEMU's
isa-debug-exit device ends the domain when the application exits, and
--status-file FILE receives its "exit=N" line. A Xen image becomes a
PVH domain for libvirt's libxl driver (--net bridge:NAME, xvd disks).
"""


def add_libvirt_parser(sub):
    import argparse
    virt = sub.add_parser(
        "libvirt-xml", allow_abbrev=False, help="print a libvirt domain",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        usage="kiln libvirt-xml IMAGE [options] [-- ARGS...]",
        description=LIBVIRT_HELP)
    virt.add_argument("image", metavar="IMAGE",
                      help="images/APP-baremetal.elf or images/APP-xen.elf")
    add_options(virt, [o for o in RUN_OPTIONS if o[0] != "--testbed"])
    virt.add_argument("--name", help="domain name (default kiln-APP)")
    virt.add_argument("--target", choices=["baremetal", "xen"],
                      help="the domain's kind; must match the image's "
                           "target (default: the image's)")
    virt.add_argument("--console", metavar="FILE|pty", default="pty",
                      help="where the guest's console goes (default pty)")
    virt.add_argument("--status-file", metavar="FILE",
                      help="QEMU domains: a file that receives the guest's "
                           "\"exit=N\" line (debugcon, port 0xe9)")

XL_CONFIG_HELP = "print an xl domain config"


def add_xl_config_parser(sub):
    """kiln xl-config's options (the config itself: kiln_xen.py)."""
    xl = sub.add_parser(
        "xl-config", allow_abbrev=False, help=XL_CONFIG_HELP,
        usage="kiln xl-config IMAGE [--mem MiB] [--name N] "
              "[--net bridge:NAME]... [--disk FILE[,ro]]... [--boot OPT]... "
              "[--rootfs ARCHIVE] [--gdb SOCKET] [-- ARGS...]",
        description="Print an xl config that boots the Xen image IMAGE as "
                    "a PVH domU: `kiln xl-config ... > d.cfg; xl create -c "
                    "d.cfg`.")
    xl.add_argument("image", metavar="IMAGE", help="images/APP-xen.elf")
    xl.add_argument("--mem", type=argparse_type(mem_mib),
                    default=xen().XEN_DEFAULT_MEM,
                    metavar="MiB", help="memory = maxmem in MiB (default "
                    f"{xen().XEN_DEFAULT_MEM}, at least "
                    f"{xen().XEN_MIN_MEM})")
    xl.add_argument("--name", help="domain name (default kiln-APP)")
    xl.add_argument("--net", type=argparse_type(net_spec), action="append",
                    default=[],
                    metavar="bridge:NAME", help="a vif on bridge NAME; "
                    "repeatable")
    xl.add_argument("--disk", type=argparse_type(disk_spec), action="append",
                    default=[],
                    metavar="FILE[,ro]", help="a raw disk image as xvda, "
                    "xvdb, ...; repeatable")
    xl.add_argument("--boot", type=argparse_type(boot_option), action="append",
                    default=[],
                    metavar="OPT", help="a boot option before the ARGS")
    xl.add_argument("--gdb", metavar="SOCKET", help="boot with gdb=on and "
                    "a channel for the gdb stub, served on this Unix socket "
                    "in dom0 (attach: gdb -ex 'target remote | socat - "
                    "UNIX-CONNECT:SOCKET')")
    xl.add_argument("--rootfs", type=argparse_type(rootfs_spec),
                    metavar="ARCHIVE", help="a newc cpio archive (scripts/"
                    "mkcpio DIR A.cpio) handed over as the boot archive "
                    "(xl's ramdisk)")


def add_run_parser(sub):
    import argparse
    run = sub.add_parser(
        "run", allow_abbrev=False, help="boot an image",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        usage="kiln run IMAGE [options] [-- ARGS...]",
        description=RUN_HELP, epilog=EXIT_STATUS_HELP)
    add_run_options(run, None, RUN_TIMEOUT[1]["help"])
    add_options(run, [RUN_XEN, RUN_PRINT])


def add_test_parser(sub):
    import argparse
    test = sub.add_parser(
        "test", allow_abbrev=False, help="boot an image and check its output",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        usage="kiln test IMAGE --expect REGEX [--exit N] [options] "
              "[-- ARGS...]",
        description=TEST_HELP)
    add_run_options(test, 60.0, "stop QEMU after S seconds (default 60)")
    test.add_argument("--expect", required=True, metavar="REGEX",
                      help="must match the console output")
    test.add_argument("--exit", type=argparse_type(exit_status),
                      default=0, metavar="N",
                      dest="expect_exit",
                      help="expected exit status (default 0)")
    test.add_argument("--name", help="label for the TAP line "
                                     "(default IMAGE)")
    test.add_argument("-v", "--verbose", action="store_true",
                      help="echo the console as `# ` lines while it runs")


def check_dash_values(argv):
    """argparse drops a "--" given as a value (--boot=--) and then fails
    with a traceback: refuse it plainly."""
    for word in argv:
        opt, eq, value = word.partition("=")
        if word.startswith("--") and eq and value == "--":
            raise KilnError(f"{opt}=--: '--' cannot be an option's value "
                            "(it starts the application's ARGS)")


def parse_args(argv):
    """Split at the first "--": kiln options before, guest ARGS after."""
    if "--" in argv:
        cut = argv.index("--")
        argv, guest_args = argv[:cut], argv[cut + 1:]
    else:
        guest_args = []
    check_dash_values(argv)
    opts = parse_run_quickly(argv)
    if opts:
        opts.args = guest_args
        return opts
    parser = make_parser(argv[0] if argv else None)
    if not argv or argv[0] == "help":
        parser.print_help()
        sys.exit(0)
    opts, unknown = parser.parse_known_args(argv)
    if unknown:
        raise KilnError(f"{opts.command}: unknown option {unknown[0]!r}; "
                        f"see `kiln {opts.command} --help`")
    opts.args = guest_args
    if opts.command == "test":
        import re
        try:
            opts.regex = re.compile(opts.expect, re.MULTILINE)
        except re.error as e:
            raise KilnError(f"test: --expect {opts.expect!r} is not a valid "
                            f"regular expression: {e}")
    return opts


# ---------------------------------------------------------------- QEMU

def xen():
    """The Xen half, kiln_xen.py beside this script (Python puts the
    script's own directory, symlinks resolved, first on sys.path)."""
    import kiln_xen
    return kiln_xen


def xen_error():
    """kiln_xen's error class if it was imported (only then can it be
    raised), for an except clause."""
    mod = sys.modules.get("kiln_xen")
    return mod.XenError if mod else KilnError


def kernel_cmdline(args, options=()):
    """Boot OPTIONS, then ARGS: `opt -- a "b c" d\\"e`, or ""."""
    words = list(options)
    if args:
        words += ["--"] + [quote_arg(a) for a in args]
    return " ".join(words)


def microvm(opts):
    return not (opts.iso or opts.uefi) and (opts.machine or "microvm") == \
        "microvm"


def qemu_escape(value):
    """QEMU option values escape a comma by doubling it."""
    return value.replace(",", ",,")


def virtio_device(opts, kind, backend, slot, options):
    """-device for a virtio KIND ("blk" or "net"); on microvm it takes
    transport SLOT, which the kernel learns from OPTIONS."""
    if not microvm(opts):
        return ["-device", f"virtio-{kind}-pci,{backend}"]
    options.append(f"virtio_mmio.device={MMIO_STRIDE}@"
                   f"{MMIO_BASE + slot * MMIO_STRIDE:#x}:{MMIO_IRQ + slot}")
    return ["-device", f"virtio-{kind}-device,{backend},"
                       f"bus=virtio-mmio-bus.{slot}"]


def device_args(opts):
    """QEMU options and kernel boot options for --disk and --net."""
    if len(opts.disk) > MAX_DISKS:
        raise KilnError(f"at most {MAX_DISKS} disks, got {len(opts.disk)}")
    nets = [n for n in opts.net if n]
    if any(n.startswith("bridge:") for n in nets):
        raise KilnError("--net bridge:NAME is for Xen guests: add --xen or "
                        "--testbed, or use user or tap:IFNAME under QEMU")
    if len(nets) > MAX_NICS:
        raise KilnError(f"at most {MAX_NICS} NICs, got {len(nets)}")
    if nets and opts.nic == "e1000" and microvm(opts):
        raise KilnError("--nic e1000 needs PCI: use --machine pc or q35")
    if microvm(opts) and len(opts.disk) + len(nets) > MMIO_SLOTS:
        raise KilnError(f"microvm has {MMIO_SLOTS} virtio-mmio slots for "
                        f"disks and NICs together; use --machine pc or q35 "
                        f"for more")
    qemu, options = [], []
    for n, (path, ro) in enumerate(opts.disk):
        drive = f"if=none,id=disk{n},format=raw,file={qemu_escape(path)}"
        qemu += ["-drive", drive + (",readonly=on" if ro else "")]
        qemu += virtio_device(opts, "blk", f"drive=disk{n}", n, options)
    for n, backend in enumerate(nets):
        qemu += ["-netdev", f"{backend.split(',')[0]},id=net{n}"
                 + "".join("," + o for o in backend.split(",")[1:])]
        if opts.nic == "e1000":
            qemu += ["-device", f"e1000,netdev=net{n}"]
        else:
            qemu += virtio_device(opts, "net", f"netdev=net{n}",
                                  len(opts.disk) + n, options)
    return qemu, options


def quote_arg(arg):
    escaped = arg.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"' if " " in arg or not arg else escaped


def which(tool):
    """shutil.which for a plain name, without importing shutil."""
    for d in os.environ.get("PATH", os.defpath).split(os.pathsep):
        path = os.path.join(d or ".", tool)
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def find_qemu():
    path = which(QEMU)
    if not path:
        raise KilnError(f"{QEMU} not found; run `make deps` or "
                        "`apt-get install qemu-system-x86`")
    return path


def accel_args(accel):
    if accel == "tcg":
        return ["-accel", "tcg", "-cpu", "max"]
    try:
        os.close(os.open("/dev/kvm", os.O_RDWR))
    except OSError as e:
        raise KilnError(f"--accel kvm: /dev/kvm is not usable "
                        f"({e.strerror}); use --accel tcg")
    return ["-accel", "kvm", "-cpu", "host"]


def machine_args(opts):
    if opts.uefi:
        if not os.path.isfile(OVMF):
            raise KilnError(f"--uefi needs {OVMF}; install ovmf "
                            "(`apt-get install ovmf`)")
        return ["-machine", opts.machine or "q35", "-bios", OVMF]
    if opts.iso:
        if opts.machine == "microvm":
            raise KilnError("--iso needs a PC firmware: use --machine pc "
                            "or q35")
        return ["-machine", opts.machine or "pc", "-boot", "d"]
    if microvm(opts):
        # modern (version 2) virtio-mmio: Kiln drives virtio 1.x only
        return ["-machine", MICROVM,
                "-global", "virtio-mmio.force-legacy=false"]
    return ["-machine", opts.machine]


def rootfs_archive(opts, scratch):
    """The --rootfs archive, packing a directory first; None without."""
    if not opts.rootfs or not os.path.isdir(opts.rootfs):
        return opts.rootfs
    archive = os.path.join(scratch, "rootfs.cpio")
    quiet_tool([MKCPIO, opts.rootfs, archive], f"{MKCPIO} failed")
    return archive


def boot_args(opts, kind, scratch, options):
    """-kernel for ELF images, -cdrom for ISOs (made here if needed)."""
    rootfs = rootfs_archive(opts, scratch)
    if not (opts.iso or opts.uefi):
        return ["-kernel", opts.image, "-append",
                kernel_cmdline(opts.args, opts.boot + options)] + \
            (["-initrd", rootfs] if rootfs else [])
    return ["-cdrom", iso_for(opts, kind, scratch, rootfs)]


def iso_for(opts, kind, scratch, rootfs):
    stem, _ = os.path.splitext(opts.image)
    sibling = stem + ".iso"
    if not opts.args and not opts.boot and not rootfs:
        if kind == "iso":
            return opts.image
        if os.path.isfile(sibling):
            return sibling
    elf = opts.image if kind == "elf" else extract_elf(opts.image, scratch)
    return make_iso(elf, kernel_cmdline(opts.args, opts.boot), scratch,
                    rootfs)


def require_tool(tool):
    if not which(tool):
        raise KilnError(f"{tool} not found; run `make deps`")


def extract_elf(iso, scratch):
    require_tool("xorriso")
    elf = os.path.join(scratch, "kiln.elf")
    quiet_tool(["xorriso", "-osirrox", "on", "-indev", iso,
                "-extract", "/boot/kiln.elf", elf],
               f"cannot extract /boot/kiln.elf from {iso}")
    return elf


def make_iso(elf, cmdline, scratch, rootfs=None):
    for tool in ("grub-mkrescue", "xorriso", "mformat"):
        require_tool(tool)
    iso = os.path.join(scratch, "kiln.iso")
    quiet_tool([MKISO, elf, iso, cmdline] + ([rootfs] if rootfs else []),
               f"{MKISO} failed")
    return iso


def quiet_tool(cmd, what):
    import subprocess
    r = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True,
                       text=True, errors="replace")
    if r.returncode != 0:
        last = (r.stderr.strip().splitlines() or ["no message"])[-1]
        raise KilnError(f"{what}: {last}")


def qemu_command(opts, kind, scratch, serial):
    return [find_qemu()] + qemu_args(opts, kind, scratch, serial)


def qemu_args(opts, kind, scratch, serial):
    """QEMU's arguments after its path (the launcher's table, see
    scripts/kiln-run/table.py, is made by calling this)."""
    cmd = COMMON_QEMU_ARGS + accel_args(opts.accel)
    cmd += machine_args(opts) + ["-m", str(opts.mem)]
    devices, options = device_args(opts)
    cmd += boot_args(opts, kind, scratch, options) + devices
    cmd += ["-serial", serial,
            "-debugcon", "file:" + os.path.join(scratch, "debugcon"),
            "-device", DEBUG_EXIT]
    if opts.gdb:
        cmd += ["-gdb", f"tcp::{opts.gdb}", "-S"]
    return cmd


def gdb_hint(opts):
    print(f"kiln: waiting for gdb: gdb {opts.image} "
          f"-ex 'target remote :{opts.gdb}'", file=sys.stderr, flush=True)


def wait_qemu(proc, timeout):
    """Wait for QEMU; stop it at the timeout. True if it timed out."""
    import subprocess
    try:
        proc.wait(timeout=timeout)
        return False
    except subprocess.TimeoutExpired:
        stop_qemu(proc)
        return True


def stop_qemu(proc):
    import subprocess
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def guest_status(scratch, qemu_code):
    """(status, problem): the guest's exit status, or None and why not."""
    try:
        with open(os.path.join(scratch, "debugcon"), "rb") as f:
            text = f.read().decode("ascii", errors="replace")
    except OSError:
        text = ""
    found = [line[5:] for line in text.split("\n")
             if line.startswith("exit=") and line[5:].isdecimal()]
    if found:
        return int(found[-1]) & 0xff, None
    if qemu_code < 0:
        return None, f"QEMU was killed by signal {-qemu_code}"
    if qemu_code >= 3 and qemu_code % 2 == 1:
        return (qemu_code - 1) // 2, None
    return None, (f"QEMU exited without an exit status from the guest "
                  f"(QEMU status {qemu_code})")


# ---------------------------------------------------------------- commands

def command_run(opts, kind, scratch):
    cmd = qemu_command(opts, kind, scratch, "stdio")
    if opts.print_qemu:
        print(shell_line(cmd))
        return 0
    if opts.gdb:
        gdb_hint(opts)
    proc = Spawned(cmd)
    try:
        timed_out = proc.wait_until(opts.timeout)
    finally:
        proc.stop()
    if timed_out:
        print(f"kiln: timeout after {opts.timeout:g} s; QEMU stopped",
              file=sys.stderr)
        return EXIT_TIMEOUT
    status, problem = guest_status(scratch, proc.returncode)
    if problem:
        print(f"kiln: {problem}", file=sys.stderr)
        return EXIT_NO_STATUS
    return status


def shell_line(words):
    """WORDS as one sh command line: a word of only safe characters as
    it is, any other in single quotes (scripts/kiln-run prints the same)."""
    safe = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
               "0123456789_@%+=:,./-")
    return " ".join(w if w and set(w) <= safe else
                    "'" + w.replace("'", "'\\''") + "'" for w in words)


class Timeout(Exception):
    pass


def raise_timeout(signum, frame):
    raise Timeout


class Spawned:
    """QEMU for run, its stdio the terminal's: posix_spawn and waitpid,
    which cost nothing to import, with subprocess.Popen's returncode
    (-N: killed by signal N) and a timeout by SIGALRM."""

    def __init__(self, cmd):
        self.pid = os.posix_spawn(cmd[0], cmd, os.environ)
        self.returncode = None

    def reap(self, flags=0):
        pid, status = os.waitpid(self.pid, flags)
        if pid:
            self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait_until(self, timeout):
        """Wait for the exit; True (QEMU stopped) at the timeout."""
        if timeout:
            signal.signal(signal.SIGALRM, raise_timeout)
            signal.setitimer(signal.ITIMER_REAL, timeout)
        try:
            self.reap()
            return False
        except Timeout:
            return True
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)

    def stop(self):
        """SIGTERM, then SIGKILL after 5 s, if QEMU still runs."""
        if self.returncode is not None or self.reap(os.WNOHANG) is not None:
            return
        os.kill(self.pid, signal.SIGTERM)
        if self.wait_until(5):
            os.kill(self.pid, signal.SIGKILL)
            self.reap()


class Console:
    """Collects QEMU's stdout (the guest console) on a thread."""

    def __init__(self, stream, echo):
        import threading
        self.chunks, self.stream, self.echo = [], stream, echo
        self.thread = threading.Thread(target=self.pump, daemon=True)
        self.thread.start()

    def pump(self):
        for line in iter(self.stream.readline, b""):
            self.chunks.append(line)
            if self.echo:
                print("# " + decode(line).rstrip("\n"), flush=True)

    def text(self):
        self.thread.join(timeout=5)
        return decode(b"".join(self.chunks))


def decode(raw):
    return raw.decode("utf-8", errors="replace").replace("\r\n", "\n")


def command_test(opts, kind, scratch):
    import subprocess
    cmd = qemu_command(opts, kind, scratch, "stdio")
    if opts.gdb:
        gdb_hint(opts)
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    console = Console(proc.stdout, opts.verbose)
    errors = Console(proc.stderr, False)
    try:
        timed_out = wait_qemu(proc, opts.timeout)
    finally:
        stop_qemu(proc)
    text = console.text()
    reason = test_failure(opts, scratch, proc.returncode, timed_out, text)
    return report_test(opts, reason, text, errors.text())


def test_failure(opts, scratch, qemu_code, timed_out, text):
    """Why the test failed, or None."""
    if timed_out:
        return f"timeout after {opts.timeout:g} s"
    status, problem = guest_status(scratch, qemu_code)
    reasons = []
    if problem:
        reasons.append(problem)
    elif status != opts.expect_exit:
        reasons.append(f"exit {status}, expected {opts.expect_exit}")
    if not opts.regex.search(text):
        reasons.append(f"no match for /{opts.expect}/ in console output")
    return "; ".join(reasons) or None


def report_test(opts, reason, text, qemu_errors):
    name = opts.name or opts.image
    if reason is None:
        print(f"ok - {name}: matched /{opts.expect}/, exit {opts.expect_exit}")
        return 0
    print(f"not ok - {name}: {reason}")
    lines = text.splitlines()[-20:]
    if not lines:
        print("# (no console output)")
    for line in lines:
        print("# " + line)
    for line in qemu_errors.splitlines()[-5:]:
        print("# qemu: " + line)
    return 1


# ---------------------------------------------------------------- Xen

def command_xen(opts, kind, scratch):
    """xl-config, run --xen|--testbed and test --testbed (kiln_xen.py)."""
    opts.cmdline = kernel_cmdline(opts.args, opts.boot)
    opts.ramdisk = rootfs_archive(opts, scratch)  # xl-config: an archive
    if opts.command == "xl-config":
        sys.stdout.write(xen().config_for(opts))
        return 0
    if opts.command == "test":
        text, reason = xen().test_testbed(opts, scratch)
        return report_test(opts, reason, text, "")
    status, problem = xen().run_guest(opts, scratch)
    if problem:
        print(f"kiln: {problem}", file=sys.stderr)
        return EXIT_TIMEOUT if problem.startswith("timeout") \
            else EXIT_NO_STATUS
    return status


# ---------------------------------------------------------------- main

def is_xen_run(opts):
    """xl-config, run --xen and run|test --testbed go to kiln_xen.py."""
    return opts.command == "xl-config" or opts.testbed or \
        getattr(opts, "xen", False)


def command_libvirt(opts, kind, scratch):
    """libvirt-xml (kiln_libvirt.py)."""
    import kiln_libvirt
    sys.stdout.write(kiln_libvirt.domain_xml(opts))
    return 0


def prepare(opts):
    kind = check_image(opts.image)
    if opts.command == "libvirt-xml":
        import kiln_libvirt
        kiln_libvirt.prepare(opts, kind, image_notes(opts.image))
        return kind
    if is_xen_run(opts):
        if getattr(opts, "print_qemu", False):
            raise KilnError("--print-qemu: a Xen guest runs under xl, not "
                            "QEMU; `kiln xl-config` prints its config")
        xen().prepare(opts, kind, image_notes(opts.image))
        return kind
    if kind == "iso":
        opts.iso = True
    if opts.uefi:
        opts.iso = True
    if opts.mem is None:
        opts.mem = UEFI_MEM if opts.uefi else ISO_MEM if opts.iso \
            else DEFAULT_MEM
    return kind


class Scratch:
    """A private directory for one command's files (debugcon, a made
    ISO), removed with them; tempfile's would cost its imports."""

    def __enter__(self):
        base = os.environ.get("TMPDIR") or "/tmp"
        while True:
            self.path = os.path.join(base, "kiln-" + os.urandom(6).hex())
            try:
                os.mkdir(self.path, 0o700)
                return self.path
            except FileExistsError:
                continue

    def __exit__(self, *exc):
        for root, dirs, files in os.walk(self.path, topdown=False):
            for name in files:
                os.unlink(os.path.join(root, name))
            for name in dirs:
                path = os.path.join(root, name)
                os.unlink(path) if os.path.islink(path) else os.rmdir(path)
        os.rmdir(self.path)


def raise_interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv):
    if argv[:1] == ["bake"]:  # its own script, also the Makefile's link
        os.execv(os.path.join(HERE, "kiln-bake"), ["kiln bake"] + argv[1:])
    signal.signal(signal.SIGTERM, raise_interrupt)
    exec_dir = None
    try:
        if "--exec" in argv or any(w.startswith("--exec=") for w in argv):
            import kiln_exec  # run|test --exec FILE: the loader image
            try:
                argv, exec_dir = kiln_exec.rewrite(argv)
            except kiln_exec.ExecError as e:
                raise KilnError(str(e))
        opts = parse_args(argv)
        if opts.command is None:
            raise KilnError("no command; see `kiln --help`")
        kind = prepare(opts)
        command = command_libvirt if opts.command == "libvirt-xml" else \
            command_xen if is_xen_run(opts) else \
            command_run if opts.command == "run" else command_test
        with Scratch() as scratch:
            return command(opts, kind, scratch)
    except (KilnError, xen_error()) as e:
        message = " ".join(str(e).split())
        print(f"kiln: {message}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except OSError as e:
        # Not the user's mistake (their options were checked above) but
        # the host's: a full disk, a QEMU that cannot be started.
        print(f"kiln: host error: {e.filename or 'kiln'}: {e.strerror}",
              file=sys.stderr)
        return EXIT_NO_STATUS
    finally:
        if exec_dir:
            import shutil
            shutil.rmtree(exec_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
