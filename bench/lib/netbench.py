"""netbench.py: what the network benchmarks share (bench/boot-http,
bench/http, bench/tcp-bulk, bench/redis, bench/nginx).

- A network namespace with one TAP device: the host side is HOST_IP,
  the guest GUEST_IP (or two: LINKS, run_in_netns(links=2)). The benchmark script re-runs itself inside it
  with `ip netns exec` (which also gives it a /sys showing the TAP, as
  `kiln` checks), so the guests, wrk and the sinks all live there and
  the host's own network is untouched. The guest's MAC is QEMU's
  default for a first NIC, entered as a permanent neighbour: the host
  never waits for ARP (Linux retries ARP only once a second, which
  would quantise boot timings to seconds).
- QEMU command lines come from scripts/kiln and bench/lib/linux-guest
  themselves (loaded as modules), so a guest is spawned as one QEMU
  process that the benchmark times from its spawn, with the same
  options `kiln run` and `linux-guest run` would give it.
- Guest: a spawned QEMU with its console in a file, stopped with its
  whole process group.

Needs root (namespaces, TAP). Standard library only.
"""

import collections
import importlib.machinery
import importlib.util
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.realpath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
KILN = os.path.join(ROOT, "scripts", "kiln")
LINUX_GUEST = os.path.join(HERE, "linux-guest")
NS_ENV = "KILN_NETBENCH_NS"
TAP = "tap0"
HOST_IP, GUEST_IP, PREFIX = "10.81.0.1", "10.81.0.2", 24
HOST_IP6, GUEST_IP6, PREFIX6 = "fd81::1", "fd81::2", 64  # run_in_netns(ipv6=)
GUEST_MAC = "52:54:00:12:34:56"  # QEMU's default for the first NIC
KILN_IP_OPTION = f"ip={GUEST_IP}::{HOST_IP}:255.255.255.0"
KILN_IP6_OPTION = f"ip6={GUEST_IP6}/{PREFIX6}"
# A TAP and the addresses on its two ends. LINKS[0] is the one above;
# run_in_netns(links=2) adds a second, for two guests up at once
# (bench/http measures them in turn, seconds apart).
Link = collections.namedtuple("Link", "tap host guest host6 guest6")
LINKS = [Link(TAP, HOST_IP, GUEST_IP, HOST_IP6, GUEST_IP6),
         Link("tap1", "10.81.1.1", "10.81.1.2", "fd81:1::1", "fd81:1::2")]


def kiln_ip_options(link, ipv6=False):
    """Kiln's boot options giving the guest end of link its addresses."""
    return (f"ip={link.guest}::{link.host}:255.255.255.0",) + \
        ((f"ip6={link.guest6}/{PREFIX6}",) if ipv6 else ())
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class BenchError(Exception):
    pass


def load_script(path, name):
    """A Python script without .py (scripts/kiln, linux-guest) as a module."""
    loader = importlib.machinery.SourceFileLoader(name, path)
    spec = importlib.util.spec_from_loader(name, loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def step(cmd, what, **kw):
    """Run a build step quietly; its output only if it fails."""
    r = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True,
                       text=True, errors="replace", **kw)
    if r.returncode != 0:
        sys.stderr.write(r.stdout + r.stderr)
        raise BenchError(f"{what} failed (status {r.returncode})")
    return r.stdout


def make_image(app):
    step(["make", "-C", ROOT, f"APP={app}", "image"], f"make APP={app} image")
    return os.path.join(ROOT, "images", f"{app}-baremetal.elf")


def make_port(name):
    """`make port-NAME` (ports/NAME); images/NAME-baremetal.elf and
    images/ports/NAME/src, the build tree. A failure is one line: the
    port's own last one, which names its build log."""
    r = subprocess.run(["make", "-C", ROOT, "--no-print-directory",
                        f"port-{name}"], stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, errors="replace")
    if r.returncode != 0:
        lines = [line for line in (r.stdout + r.stderr).splitlines()
                 if line.strip() and not line.startswith("make")]
        raise BenchError(f"make port-{name} failed: "
                         f"{(lines or ['no message'])[-1].strip()}")
    return os.path.join(ROOT, "images", "ports", name, "src")


def unbundled(program, out):
    """A kiln-cc executable for the Linux guest: the same loaded bytes,
    without the relocatable bundle (.kiln.bundle, several times the
    program's size) and symbols, which only the bake reads."""
    step(["strip", "--strip-all", "--remove-section=.kiln.bundle",
          program, "-o", out], f"strip {program}")
    return out


def musl_static(sources, out):
    """Link sources static with musl-gcc, as the Kiln image links musl."""
    step(["musl-gcc", "-static", "-O2", "-std=c11", "-D_GNU_SOURCE"] +
         sources + ["-o", out], "musl-gcc (apt-get install musl-tools)")
    return out


# --- the namespace ------------------------------------------------------

def inside():
    return bool(os.environ.get(NS_ENV))


def netns_commands(ipv6, links=1):
    """The TAPs' set-up; with ipv6, the host's IPv6 address too (without
    duplicate address detection, which would hold it back a second) and
    the guest's as a permanent neighbour, as IPv4's."""
    cmds = [["ip", "link", "set", "lo", "up"]]
    for ln in LINKS[:links]:
        cmds += [["ip", "tuntap", "add", "dev", ln.tap, "mode", "tap"],
                 ["ip", "link", "set", ln.tap, "up"],
                 ["ip", "addr", "add", f"{ln.host}/{PREFIX}", "dev", ln.tap],
                 ["ip", "neigh", "replace", ln.guest, "lladdr", GUEST_MAC,
                  "dev", ln.tap, "nud", "permanent"]]
        if ipv6:
            cmds += [["ip", "-6", "addr", "add", f"{ln.host6}/{PREFIX6}",
                      "dev", ln.tap, "nodad"],
                     ["ip", "-6", "neigh", "replace", ln.guest6, "lladdr",
                      GUEST_MAC, "dev", ln.tap, "nud", "permanent"]]
    return cmds


def run_in_netns(tag, ipv6=False, links=1):
    """From the parent: make the namespace, run this script again inside
    it, remove the namespace; returns the inner run's exit status.
    ipv6: the TAPs have IPv6 addresses too; links: how many of LINKS
    (bench/http: 2)."""
    if os.geteuid() != 0:
        raise BenchError("needs root (a network namespace and a TAP)")
    for tool in ("ip", "qemu-system-x86_64"):
        if not shutil.which(tool):
            raise BenchError(f"{tool} not found; run `make deps`")
    ns = f"kiln-{tag}-{os.getpid()}"
    step(["ip", "netns", "add", ns], f"ip netns add {ns}")
    try:
        for cmd in netns_commands(ipv6, links):
            step(["ip", "netns", "exec", ns] + cmd, " ".join(cmd))
        env = dict(os.environ, **{NS_ENV: ns})
        r = subprocess.run(["ip", "netns", "exec", ns, sys.executable] +
                           sys.argv, env=env)
        return r.returncode
    finally:
        subprocess.run(["ip", "netns", "del", ns])


# --- guests ---------------------------------------------------------------

class Guest:
    """One QEMU process, its console in a file, timed from its spawn."""

    def __init__(self, name, argv, scratch):
        self.name, self.argv = name, argv
        self.console = os.path.join(scratch, f"{name}.console")
        self.proc = None

    def start(self):
        with open(self.console, "wb") as out:
            self.spawned = time.monotonic()
            self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL,
                                         stdout=out, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        return self

    def text(self):
        with open(self.console, "rb") as f:
            return f.read().decode(errors="replace").replace("\r\n", "\n")

    def wait_for(self, regex, timeout):
        """Poll the console until regex matches; BenchError otherwise."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = re.search(regex, self.text(), re.M)
            if m:
                return m
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        self.fail(f"no /{regex}/ on its console")

    def wait_exit(self, timeout):
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.fail(f"still running after {timeout:g} s")

    def fail(self, why):
        self.stop()
        tail = "\n".join("  " + line for line in
                         self.text().splitlines()[-15:])
        raise BenchError(f"{self.name}: {why}; console:\n{tail}")

    def cpu_seconds(self):
        """User and system time QEMU has used (all its threads): a guest
        that idles while waiting for its peer uses less than wall time."""
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


class Guests:
    """Builds QEMU command lines the way kiln and linux-guest do."""

    def __init__(self, machine, mem, scratch):
        self.machine, self.mem, self.scratch = machine, mem, scratch
        self.kiln = load_script(KILN, "kiln_script")
        self.lg = load_script(LINUX_GUEST, "linux_guest")
        self.linux_built = {}

    def kiln_argv(self, image, args, boot=(KILN_IP_OPTION,), nic=True,
                  extra=(), tap=TAP):
        """extra: more `kiln run` options (--rootfs DIR, --disk FILE)."""
        argv = ["run", image, "--machine", self.machine,
                "--mem", str(self.mem)] + list(extra)
        if nic:
            argv += ["--net", f"tap:{tap}"]
        for option in boot:
            argv += ["--boot", option]
        opts = self.kiln.parse_args(argv + ["--"] + list(args))
        kind = self.kiln.prepare(opts)
        scratch = tempfile.mkdtemp(prefix="kiln-", dir=self.scratch)
        return self.kiln.qemu_command(opts, kind, scratch, "stdio")

    def linux_build(self, binary, rootfs=None):
        """Build (or find cached) the guest; call before entering the
        namespace, where apt-get cannot reach the network. rootfs: a
        directory the initramfs also holds (linux-guest --rootfs)."""
        if (binary, rootfs) not in self.linux_built:
            vmlinuz, initrd = self.lg.build(binary, rootfs)
            # a copy: the cache keeps one initrd per kernel, and another
            # benchmark's build may replace it while this one runs
            own = os.path.join(self.scratch, os.path.basename(initrd))
            if not os.path.exists(own):
                shutil.copyfile(initrd, own)
            self.linux_built[binary, rootfs] = vmlinuz, own
        return self.linux_built[binary, rootfs]

    def linux_argv(self, binary, args, rootfs=None, ipv6=False, env=(),
                   link=LINKS[0]):
        """ipv6: eth0 gets link's IPv6 address too (linux-guest --ip6);
        env: KEY=VALUE words for the program's environment."""
        vmlinuz, initrd = self.linux_build(binary, rootfs)
        six = ["--ip6", f"{link.guest6}/{PREFIX6}"] if ipv6 else []
        six += [f"--env={word}" for word in env]
        opts = self.lg.parse_args(
            ["run", binary, "--machine", self.machine, "--mem", str(self.mem),
             "--net", f"tap:{link.tap}", "--ip", f"{link.guest}/{PREFIX}"] +
            six + ["--"] + list(args))
        return self.lg.qemu_command(opts, vmlinuz, initrd)


def wait_port(guest, port, timeout, host=GUEST_IP):
    """Until the guest accepts a TCP connection on port (for servers that
    print no line once they listen: nginx; or on an address still being
    configured); BenchError otherwise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if guest.proc.poll() is not None:
            break
        try:
            socket.create_connection((host, port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    guest.fail(f"nothing accepts connections on {host} port {port}")


# --- load generators ------------------------------------------------------

WRK_RPS_RE = re.compile(r"^Requests/sec:\s+([\d.]+)", re.M)
WRK_ERRORS_RE = re.compile(
    r"^\s+(Socket errors:.*|Non-2xx or 3xx responses:.*)$", re.M)
WRK_REQS_RE = re.compile(r"^\s+(\d+) requests in", re.M)


def wrk(url, threads, conns, seconds):
    """(req/s, requests, [error lines]) of one `wrk` run on url."""
    cmd = ["wrk", f"-t{threads}", f"-c{conns}", f"-d{seconds}s",
           "--timeout", "5s", url]
    r = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True,
                       text=True, errors="replace", timeout=seconds + 60)
    rps, reqs = WRK_RPS_RE.search(r.stdout), WRK_REQS_RE.search(r.stdout)
    if r.returncode != 0 or not rps or not reqs:
        raise BenchError(f"wrk failed (status {r.returncode}): "
                         f"{(r.stdout + r.stderr).strip()[-300:]}")
    return float(rps.group(1)), int(reqs.group(1)), \
        WRK_ERRORS_RE.findall(r.stdout)


# --- host-side TCP counters (this namespace's) ---------------------------

COUNTERS = ["Tcp:RetransSegs", "Tcp:OutRsts", "Tcp:InErrs",
            "TcpExt:TCPTimeouts", "TcpExt:TCPOFOQueue",
            "TcpExt:TCPDSACKOldSent", "TcpExt:DelayedACKLost",
            "TcpExt:TCPLossProbes", "TcpExt:TCPFastRetrans",
            "TcpExt:TCPZeroWindowDrop", "TcpExt:ListenDrops"]


def tcp_counters():
    """{"Group:Name": value} from /proc/net/snmp and netstat."""
    values = {}
    for path in ("/proc/net/snmp", "/proc/net/netstat"):
        with open(path) as f:
            lines = f.read().splitlines()
        for names, nums in zip(lines[::2], lines[1::2]):
            group = names.split(":")[0]
            for k, v in zip(names.split()[1:], nums.split()[1:]):
                values[f"{group}:{k}"] = int(v)
    return values


def counter_delta(before, after):
    """The COUNTERS that moved, as "Name +N" words."""
    return " ".join(f"{c.split(':')[1]} +{after.get(c, 0) - before.get(c, 0)}"
                    for c in COUNTERS
                    if after.get(c, 0) != before.get(c, 0))


def median(values):
    return statistics.median(values)


def cleanup_scratch(path):
    shutil.rmtree(path, ignore_errors=True)
