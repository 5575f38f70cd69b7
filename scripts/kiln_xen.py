"""kiln_xen: the Xen half of scripts/kiln (imported by it, not run).

  xl_config()      an xl domain config for a Kiln Xen image (PVH)
  run_xl()         `kiln run --xen`: xl create -c on a real Xen host
  run_testbed()    `kiln run|test --testbed`: one domU in scripts/xen-testbed
  gdb_channel()    the xl channel the image's gdb stub talks on (--gdb)

Limits: Kiln does not balloon, so memory = maxmem; xl refuses PVH
domains under 18 MiB. shadow_memory (the domain's paging pool, which
holds Xen's p2m tables) is raised above xl's default of one page per
MiB (see shadow_mib): `xl restore` and the receiving end of `xl migrate`
rebuild the p2m one 4 KiB page at a time, which needs an L1 table for
every 2 MiB of RAM plus tables for the ACPI and special pages near
4 GiB, and a guest under about 64 MiB runs out of pool ("Failed to
populate physmap") although it is far from its maxmem.
--rootfs becomes xl's `ramdisk`, which Xen's domain builder hands a
PVH guest as its first module (hvm_start_info), as QEMU's -initrd
does; xl-config takes only an archive, since the config must name a
file that outlives kiln. Disks given to the testbed are copied into its
dom0 (the payload disk is read-only there): a guest's writes to them
stay in the testbed. With --gdb the image stops for gdb before its
application (boot option gdb=on) and talks the remote protocol on a
second PV console, the xl channel GDB_CHANNEL, which dom0's QEMU serves
on a Unix socket (xl-config --gdb SOCKET; the testbed forwards it to the
host's 127.0.0.1:PORT for run --testbed --gdb PORT). Errors raise XenError, which kiln prints as its one
"kiln: ..." line (exit 2). Standard library only.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

XEN_MIN_MEM = 18   # xl cannot build a smaller PVH domain
XEN_DEFAULT_MEM = 32
CMDLINE_MAX = 1023  # Xen's MAX_GUEST_CMDLINE (1024) less its NUL
MAX_VIFS = 8
MAX_VBDS = 26      # xvda..xvdz
NOTE_TARGET = 2    # Kiln ELF note type naming the target (target_note.S)
HERE = os.path.dirname(os.path.realpath(__file__))
TESTBED = os.path.join(HERE, "xen-testbed")
TESTBED_BOOT = 300  # seconds for dom0 to boot under TCG, on top of the guest
EXIT_RE = re.compile(r"^exit=(\d+)\r?$", re.MULTILINE)
GUEST_TAG = "kiln-guest| "
CPIO_MAGIC = b"070701"  # newc, the only format components/fs reads
GDB_CHANNEL = "org.kiln.gdb"  # the name hypercall-xen/gdbstub_chan.c seeks
# xl 4.17 numbers a config's first channel 0, the primary console's
# number, and libxl skips it ("Primary console has invalid
# configuration"; later xl fixed this): a placeholder takes that place.
GDB_PLACEHOLDER = "connection=pty,name=org.kiln.unused"
TESTBED_GDB_SOCKET = "/run/kiln-gdb.sock"
TESTBED_GDB_PORT = 1234  # dom0's relay from its eth0 to that socket


class XenError(Exception):
    """A usage or configuration error: one line on stderr, exit 2."""



def image_target(notes):
    """The target a Kiln image was built for, from its ELF notes, or None
    (an image older than the target note)."""
    for name, ntype, desc in notes or []:
        if name == b"Kiln" and ntype == NOTE_TARGET:
            return desc.rstrip(b"\0").decode(errors="replace")
    return None


def check_xen_image(path, notes):
    target = image_target(notes)
    if target == "xen":
        return
    if target is None:
        raise XenError(f"{path} does not say its target (built before "
                       f"target notes); rebuild it with `make TARGET=xen`")
    stem = re.sub(r"-[a-z]+\.elf$", "", path)
    raise XenError(f"{path} is a {target} image, not a Xen one; build "
                   f"{stem}-xen.elf with `make APP=... TARGET=xen` (run "
                   f"{target} images without --xen/--testbed)")


def check_mem(mem):
    if mem < XEN_MIN_MEM:
        raise XenError(f"--mem {mem}: xl cannot build a PVH domain smaller "
                       f"than {XEN_MIN_MEM} MiB; use --mem {XEN_DEFAULT_MEM}")


def domain_name(text):
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}", text):
        raise XenError(f"--name {text!r}: a domain name is 1-64 letters, "
                       "digits, '_', '.' or '-'")
    return text


def default_name(image):
    stem = os.path.basename(image)
    stem = re.sub(r"(-xen)?\.elf$", "", stem)
    return domain_name("kiln-" + (re.sub(r"[^A-Za-z0-9_.-]", "_", stem)
                                  or "guest")[:59])


def bridges(nets):
    """--net values for Xen: each must be bridge:NAME; the NAMEs."""
    names = []
    for spec in nets:
        if not (spec or "").startswith("bridge:"):
            kind = (spec or "none").split(",")[0]
            raise XenError(f"--net {kind}: a Xen guest's NIC is bridge:NAME "
                           "(a bridge in dom0, such as br0)")
        names.append(spec[len("bridge:"):])
    if len(names) > MAX_VIFS:
        raise XenError(f"at most {MAX_VIFS} NICs, got {len(names)}")
    return names


def xl_string(text):
    """A double-quoted xl config string (libxlu unescapes \\\\ and \\")."""
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise XenError(f"{text!r}: control characters cannot go into an "
                       "xl config")
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def shadow_mib(mem):
    """The paging pool for MEM MiB of RAM: xl's default (MEM/256 MiB)
    and 1 MiB more, so that restoring page by page (about MEM/512 MiB of
    L1 tables, and a few more near 4 GiB) never meets its end."""
    return 1 + mem // 256


def gdb_channel(socket):
    """The xl channel line for the gdb stub, served on Unix SOCKET."""
    if not socket.startswith("/") or "," in socket or "=" in socket:
        raise XenError(f"--gdb {socket}: the channel's socket is an "
                       "absolute path without ',' or '=' (xl's channel "
                       "syntax), such as /run/kiln-gdb.sock")
    spec = f"connection=socket,path={socket},name={GDB_CHANNEL}"
    return f"channel = [ {xl_string(GDB_PLACEHOLDER)}, {xl_string(spec)} ]"


def xl_config(name, kernel, mem, nets, disks, cmdline, ramdisk=None,
              gdb_socket=None):
    """The config text. DISKS: [(target path, read_only)]; RAMDISK: the
    boot archive's path or None; GDB_SOCKET: where dom0 serves the gdb
    channel, or None."""
    check_mem(mem)
    if len(disks) > MAX_VBDS:
        raise XenError(f"at most {MAX_VBDS} disks, got {len(disks)}")
    if len(cmdline.encode()) > CMDLINE_MAX:
        raise XenError(f"the command line is {len(cmdline.encode())} bytes; "
                       f"Xen passes at most {CMDLINE_MAX}")
    lines = [f"name = {xl_string(name)}", 'type = "pvh"',
             f"kernel = {xl_string(os.path.abspath(kernel))}",
             *([f"ramdisk = {xl_string(os.path.abspath(ramdisk))}"]
               if ramdisk else []),
             "# Kiln does not balloon: every page it is given is populated",
             f"memory = {mem}", f"maxmem = {mem}",
             "# Xen's p2m tables for xl restore and xl migrate (kiln_xen.py)",
             f"shadow_memory = {shadow_mib(mem)}",
             'on_poweroff = "destroy"', 'on_reboot = "destroy"',
             'on_crash = "destroy"',
             "# xl save/restore and xl migrate keep this config in the saved",
             "# image: paths are absolute so it restores from any directory",
             "# (see README, Xen: save, restore and migrate)"]
    if cmdline:
        lines.append(f"cmdline = {xl_string(cmdline)}")
    if nets:
        lines.append("vif = [" + ", ".join(
            xl_string(f"bridge={b}") for b in bridges(nets)) + "]")
    if disks:
        lines.append("disk = [" + ", ".join(
            xl_string(f"format=raw,vdev=xvd{chr(ord('a') + n)},"
                      f"access={'ro' if ro else 'rw'},target={path}")
            for n, (path, ro) in enumerate(disks)) + "]")
    if gdb_socket:
        lines += ["# the gdb stub's channel (boot option gdb=on): gdb "
                  "connects to the socket", gdb_channel(gdb_socket)]
    return "\n".join(lines) + "\n"


def prepare(opts, kind, notes):
    """xl-config, --xen and --testbed: a Xen image and no QEMU options."""
    if kind == "iso":
        raise XenError(f"{opts.image} is an ISO, for QEMU; give Xen the "
                       "images/APP-xen.elf")
    check_xen_image(opts.image, notes)
    if getattr(opts, "xen", False) and opts.testbed:
        raise XenError("--xen and --testbed: choose one")
    for flag in ("iso", "uefi", "machine"):
        if getattr(opts, flag, None):
            raise XenError(f"--{flag} is for QEMU, not for Xen guests")
    prepare_gdb(opts)
    if getattr(opts, "nic", "virtio") != "virtio" or \
            getattr(opts, "accel", "tcg") != "tcg":
        raise XenError("--nic and --accel are for QEMU, not for Xen guests")
    check_rootfs(opts)
    if opts.mem is None:
        opts.mem = XEN_DEFAULT_MEM
    opts.domain = domain_name(opts.name) \
        if opts.command == "xl-config" and opts.name \
        else default_name(opts.image)
    opts.net = [n for n in opts.net if n]
    bridges(opts.net)
    check_mem(opts.mem)


def prepare_gdb(opts):
    """--gdb: the stub's boot option, and where its channel goes."""
    gdb = getattr(opts, "gdb", None)
    opts.gdb_socket = None
    if not gdb:
        return
    if getattr(opts, "xen", False):
        raise XenError(f"--gdb with --xen: write the config with `kiln "
                       f"xl-config --gdb SOCKET`, xl create it, and attach "
                       f"with gdb -ex 'target remote | socat - "
                       f"UNIX-CONNECT:SOCKET'")
    if opts.command == "test":
        raise XenError("--gdb is for kiln run --testbed, not kiln test")
    opts.gdb_socket = gdb if opts.command == "xl-config" \
        else TESTBED_GDB_SOCKET
    gdb_channel(opts.gdb_socket)
    opts.boot = list(opts.boot or [])
    if "gdb=on" not in opts.boot:
        opts.boot.append("gdb=on")


def check_rootfs(opts):
    """--rootfs: a directory (packed by kiln, not for xl-config) or a newc
    cpio archive, checked here since Xen would hand over anything."""
    path = getattr(opts, "rootfs", None)
    if not path:
        return
    if os.path.isdir(path):
        if opts.command == "xl-config":
            raise XenError(f"--rootfs {path} is a directory; xl-config "
                           "needs an archive the config can name: "
                           f"scripts/mkcpio {path} rootfs.cpio")
        return
    try:
        with open(path, "rb") as f:
            magic = f.read(len(CPIO_MAGIC))
    except OSError as e:
        raise XenError(f"--rootfs {path}: {e.strerror}")
    if magic != CPIO_MAGIC:
        raise XenError(f"--rootfs {path} is not a newc cpio archive "
                       "(make one with scripts/mkcpio DIR FILE)")


def config_for(opts, kernel=None, disks=None, ramdisk=None):
    """The xl config for OPTS (kiln's parsed options, with .cmdline and
    .ramdisk, the packed --rootfs)."""
    return xl_config(opts.domain, kernel or opts.image, opts.mem, opts.net,
                     opts.disk if disks is None else disks, opts.cmdline,
                     ramdisk or getattr(opts, "ramdisk", None),
                     getattr(opts, "gdb_socket", None))


def run_guest(opts, scratch):
    """kiln run --xen or --testbed: (status, problem)."""
    if opts.xen:
        return run_xl(config_for(opts), opts.domain, opts.timeout)
    _, status, problem = testbed(opts, scratch,
                                 lambda line: print(line, flush=True),
                                 getattr(opts, "gdb", None))
    return status, problem


def test_testbed(opts, scratch):
    """kiln test --testbed: (console text, why it failed or None)."""
    echo = (lambda line: print("# " + line, flush=True)) \
        if opts.verbose else None
    text, status, problem = testbed(opts, scratch, echo)
    reasons = [problem] if problem else []
    if not problem and status != opts.expect_exit:
        reasons.append(f"exit {status}, expected {opts.expect_exit}")
    if not opts.regex.search(text):
        reasons.append(f"no match for /{opts.expect}/ in console output")
    return text, "; ".join(reasons) or None


def guest_exit(text):
    found = EXIT_RE.findall(text)
    return int(found[-1]) & 0xff if found else None


# ---------------------------------------------------------------- real Xen

def require_xen():
    if not shutil.which("xl"):
        raise XenError("--xen needs Xen's xl (this is not a Xen dom0); "
                       "use --testbed to run in scripts/xen-testbed")
    try:
        with open("/proc/xen/capabilities") as f:
            caps = f.read()
    except OSError:
        caps = ""
    if "control_d" not in caps:
        raise XenError("--xen: /proc/xen/capabilities lacks control_d (not "
                       "running as Xen's dom0); use --testbed instead")


def run_xl(config, name, timeout):
    """xl create -c CONFIG, console on stdout; (status, problem)."""
    require_xen()
    with tempfile.NamedTemporaryFile("w", prefix="kiln-", suffix=".cfg") as f:
        f.write(config)
        f.flush()
        proc = subprocess.Popen(["xl", "create", "-c", f.name],
                                stdout=subprocess.PIPE)
        seen, timed_out = stream(proc, timeout)
    if timed_out:
        subprocess.run(["xl", "destroy", name], capture_output=True)
        return None, f"timeout after {timeout:g} s; domain {name} destroyed"
    status = guest_exit(seen.decode(errors="replace"))
    if status is None:
        return None, (f"xl create exited {proc.returncode} without an "
                      "exit status from the guest")
    return status, None


def stream(proc, timeout):
    """Copy PROC's stdout to ours as it comes; (all of it, timed out?)."""
    import selectors
    import time
    deadline = None if timeout is None else time.monotonic() + timeout
    chunks, sel = [], selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    while True:
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left <= 0:
            proc.kill()
            proc.wait()
            return b"".join(chunks), True
        if not sel.select(left):
            continue
        data = os.read(proc.stdout.fileno(), 4096)
        if not data:
            proc.wait()
            return b"".join(chunks), False
        chunks.append(data)
        sys.stdout.buffer.write(data)
        sys.stdout.flush()


# ---------------------------------------------------------------- testbed

# The payload's run.sh, run by the testbed's dom0 from /payload.
RUN_SH = """\
#!/bin/sh
# Written by kiln: boot one Kiln domU, wait for it to go, print its
# console (xenconsoled's log) tagged for kiln to pick out.
name={name}
limit={limit}
{copies}
if ! xl create /payload/domu.cfg >/tmp/xl.out 2>&1; then
    echo "kiln-xen: problem=xl create failed: $(tail -1 /tmp/xl.out)"
    exit 0
fi
echo "kiln-xen: created"
{gdb}
i=0
while xl domid "$name" >/dev/null 2>&1; do
    if [ "$limit" -gt 0 ] && [ $i -ge "$limit" ]; then
        xl destroy "$name"
        echo "kiln-xen: problem=timeout"
        break
    fi
    sleep 0.1
    i=$((i + 1))
done
sed 's/^/{tag}/' "/var/log/xen/console/guest-$name.log"
echo "kiln-xen: done"
"""


# With --gdb: dom0 relays its NIC's TESTBED_GDB_PORT (which the testbed
# forwards from the host) to the channel's socket, and says so once it
# listens: the host's forward resets a connection nobody takes yet.
GDB_RELAY = """\
socat TCP-LISTEN:{port},reuseaddr,fork UNIX-CONNECT:{socket} &
i=0
until ss -ltn | grep -q ':{port} ' || [ $i -ge 300 ]; do
    sleep 0.1
    i=$((i + 1))
done
echo "kiln-xen: gdb-ready"
"""


def testbed(opts, scratch, echo, gdb_port=None):
    testbed_payload(opts, scratch)
    return run_testbed(scratch, opts.timeout, echo,
                       gdb_port and (gdb_port, opts.image))


def testbed_payload(opts, payload):
    """Fill PAYLOAD (a directory) for scripts/xen-testbed."""
    shutil.copy(opts.image, os.path.join(payload, "kiln.elf"))
    targets, copies = [], []
    for n, (path, ro) in enumerate(opts.disk):
        shutil.copy(path, os.path.join(payload, f"disk{n}.img"))
        if ro:
            targets.append((f"/payload/disk{n}.img", True))
        else:  # the payload disk is mounted read-only in dom0
            copies.append(f"cp /payload/disk{n}.img /tmp/disk{n}.img")
            targets.append((f"/tmp/disk{n}.img", False))
    ramdisk = None
    if getattr(opts, "ramdisk", None):
        ramdisk = os.path.join(payload, "rootfs.cpio")
        if os.path.abspath(opts.ramdisk) != ramdisk:  # not packed there
            shutil.copy(opts.ramdisk, ramdisk)
        ramdisk = "/payload/rootfs.cpio"
    with open(os.path.join(payload, "domu.cfg"), "w") as f:
        f.write(config_for(opts, "/payload/kiln.elf", targets, ramdisk))
    limit = 0 if opts.timeout is None else int(opts.timeout * 10)
    with open(os.path.join(payload, "run.sh"), "w") as f:
        gdb = GDB_RELAY.format(port=TESTBED_GDB_PORT,
                               socket=TESTBED_GDB_SOCKET) \
            if getattr(opts, "gdb_socket", None) else ""
        f.write(RUN_SH.format(name=opts.domain, limit=limit, tag=GUEST_TAG,
                              copies="\n".join(copies), gdb=gdb))


def run_testbed(payload, timeout, echo=None, gdb=None):
    """Boot the testbed with PAYLOAD; (guest console, status, problem).
    ECHO, if given, gets each guest console line as it is seen. GDB:
    (host port, image) to forward to the guest's gdb channel."""
    if not os.access(TESTBED, os.X_OK):
        raise XenError(f"{TESTBED} is missing")
    limit = int((timeout or 3600) + TESTBED_BOOT)
    forward = ["--forward", f"{gdb[0]}:{TESTBED_GDB_PORT}"] if gdb else []
    proc = subprocess.Popen([TESTBED, "run", payload, "--timeout",
                             str(limit)] + forward,
                            stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    guest, other, problem, done = [], [], None, False
    for raw in iter(proc.stdout.readline, b""):
        line = raw.decode(errors="replace").rstrip("\r\n")
        if line.startswith(GUEST_TAG):
            guest.append(line[len(GUEST_TAG):].rstrip("\r"))
            if echo:
                echo(guest[-1])
        elif line.startswith("kiln-xen: problem="):
            problem = line.split("=", 1)[1]
        elif line == "kiln-xen: done":
            done = True
        elif line == "kiln-xen: gdb-ready" and gdb:
            print(f"kiln: the guest waits for gdb: gdb {gdb[1]} -ex "
                  f"'target remote 127.0.0.1:{gdb[0]}'", file=sys.stderr,
                  flush=True)
        else:
            other.append(line)
    proc.wait()
    text = "\n".join(guest) + ("\n" if guest else "")
    if problem == "timeout":
        return text, None, f"timeout after {timeout:g} s; domain destroyed"
    if problem or not done:
        why = problem or f"testbed stopped (status {proc.returncode}): " + \
            " | ".join(o for o in other[-3:] if o.strip())
        return text, None, why
    status = guest_exit(text)
    if status is None:
        return text, None, "the guest stopped without an exit status"
    return text, status, None
