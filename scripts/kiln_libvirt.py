"""kiln_libvirt: `kiln libvirt-xml`, a libvirt domain for a Kiln image
(imported by scripts/kiln, not run).

  domain_xml()     the <domain> document for QEMU (TCG or KVM) or Xen

QEMU domains boot the ELF directly (<os><kernel>, PVH, as `kiln run
--machine pc|q35` does): libvirt has no microvm machine, so disks and
NICs are virtio-pci. QEMU's isa-debug-exit device goes in through
<qemu:commandline> (libvirt has no element for it) so that the guest's
exit stops QEMU and the domain; with --status-file its "exit=N" line is
written there (debugcon, port 0xe9), the exit status kiln run reports.
User networking with host port forwards is also <qemu:commandline>:
libvirt 9's <interface type='user'> cannot forward ports (only with
passt). Xen domains are PVH (<type>xenpvh</type>, libvirt's libxl
driver) with vifs on bridges and xvd disks. Limits: no --iso or --uefi
(the ELF boots directly), --rootfs must be a cpio archive (a directory
would need packing into a file that outlives kiln), at most MAX_NICS
NICs. Errors raise KilnError (one "kiln: ..." line, exit 2).
"""

import os
import xml.etree.ElementTree as ET

import kiln_cli as kiln
import kiln_xen

QEMU_NS = "http://libvirt.org/schemas/domain/qemu/1.0"


def prepare(opts, kind, notes):
    """Check what libvirt-xml cannot do; the target from the image."""
    if kind == "iso" or opts.iso or opts.uefi:
        raise kiln.KilnError("libvirt-xml boots the ELF directly: give it "
                             "images/APP-TARGET.elf, without --iso or --uefi")
    if opts.rootfs and os.path.isdir(opts.rootfs):
        raise kiln.KilnError("libvirt-xml --rootfs wants a cpio archive "
                             "(scripts/mkcpio DIR FILE), not a directory")
    target = kiln_xen.image_target(notes) or "baremetal"
    if opts.target and opts.target != target:
        raise kiln.KilnError(f"{opts.image} is a {target} image; --target "
                             f"{opts.target} needs images/APP-"
                             f"{opts.target}.elf")
    opts.target = target
    if opts.mem is None:
        opts.mem = kiln_xen.XEN_DEFAULT_MEM if target == "xen" \
            else kiln.DEFAULT_MEM


def domain_xml(opts):
    """The domain document for OPTS (kiln's parsed options, prepared)."""
    if opts.target == "xen":
        root = xen_domain(opts)
    else:
        root = qemu_domain(opts)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode") + "\n"


def common(root, opts, ostype, machine):
    """name, memory, <os> with the kernel and command line, lifecycle."""
    ET.SubElement(root, "name").text = domain_name(opts)
    ET.SubElement(root, "memory", unit="MiB").text = str(opts.mem)
    os_el = ET.SubElement(root, "os")
    ET.SubElement(os_el, "type", arch="x86_64",
                  **({"machine": machine} if machine else {})).text = ostype
    ET.SubElement(os_el, "kernel").text = os.path.abspath(opts.image)
    if opts.rootfs:
        ET.SubElement(os_el, "initrd").text = opts.rootfs
    ET.SubElement(os_el, "cmdline").text = \
        kiln.kernel_cmdline(opts.args, opts.boot)
    # The guest's exit is the domain's end; Kiln never reboots.
    for event in ("on_poweroff", "on_reboot", "on_crash"):
        ET.SubElement(root, event).text = "destroy"
    return ET.SubElement(root, "devices")


def domain_name(opts):
    """--name, checked, or kiln-APP from images/APP-TARGET.elf."""
    if opts.name:
        return kiln_xen.domain_name(opts.name)
    stem = os.path.basename(opts.image)
    for suffix in ("-baremetal.elf", "-xen.elf"):
        if stem.endswith(suffix):
            stem = stem[:-len(suffix)] + ".elf"
    return kiln_xen.default_name(stem)


def qemu_domain(opts):
    machine = opts.machine or "pc"
    if machine == "microvm":
        raise kiln.KilnError("libvirt has no microvm machine: use "
                             "--machine pc or q35")
    kiln.accel_args(opts.accel)  # refuses an unusable /dev/kvm
    root = ET.Element("domain", type="kvm" if opts.accel == "kvm"
                      else "qemu")
    root.set("xmlns:qemu", QEMU_NS)
    devices = common(root, opts, "hvm", machine)
    ET.SubElement(root, "cpu", mode="host-passthrough" if opts.accel ==
                  "kvm" else "maximum")
    ET.SubElement(devices, "emulator").text = kiln.find_qemu()
    for n, (path, ro) in enumerate(opts.disk):
        disk(devices, path, ro, f"vd{chr(ord('a') + n)}", "virtio", "qemu")
    args = []
    for n, spec in enumerate(nics(opts)):
        args += qemu_nic(devices, opts.nic, spec, n)
    console(devices, opts.console, "serial")
    # Nothing libvirt adds by default that Kiln would not use.
    ET.SubElement(devices, "controller", type="usb", model="none")
    ET.SubElement(devices, "memballoon", model="none")
    args += ["-device", kiln.DEBUG_EXIT]
    if opts.status_file:
        args += ["-debugcon", "file:" + os.path.abspath(opts.status_file)]
    if opts.gdb:
        args += ["-gdb", f"tcp::{opts.gdb}", "-S"]
    commandline = ET.SubElement(root, "qemu:commandline")
    for arg in args:
        ET.SubElement(commandline, "qemu:arg", value=arg)
    return root


def nics(opts):
    specs = [n for n in opts.net if n]
    if len(specs) > kiln.MAX_NICS:
        raise kiln.KilnError(f"at most {kiln.MAX_NICS} NICs, got "
                             f"{len(specs)}")
    return specs


def qemu_nic(devices, model, spec, n):
    """One NIC: an <interface>, or QEMU arguments for user networking
    with port forwards (see the module's comment)."""
    model = "virtio" if model == "virtio" else "e1000"
    if spec.startswith("user,"):
        device = "virtio-net-pci" if model == "virtio" else "e1000"
        return ["-netdev", f"{spec},id=kiln{n}",
                "-device", f"{device},netdev=kiln{n}"]
    if spec == "user":
        nic = ET.SubElement(devices, "interface", type="user")
    elif spec.startswith("bridge:"):
        nic = ET.SubElement(devices, "interface", type="bridge")
        ET.SubElement(nic, "source", bridge=spec[len("bridge:"):])
    else:  # tap,ifname=NAME,... from net_spec: an existing TAP device
        nic = ET.SubElement(devices, "interface", type="ethernet")
        name = spec.split(",")[1][len("ifname="):]
        ET.SubElement(nic, "target", dev=name, managed="no")
    ET.SubElement(nic, "model", type=model)
    return []


def disk(devices, path, read_only, dev, bus, driver):
    el = ET.SubElement(devices, "disk", type="file", device="disk")
    ET.SubElement(el, "driver", name=driver, type="raw")
    ET.SubElement(el, "source", file=path)
    ET.SubElement(el, "target", dev=dev, bus=bus)
    if read_only:
        ET.SubElement(el, "readonly")


def console(devices, where, kind):
    """The guest's console (COM1, or Xen's console ring) to a file or a
    pty (`virsh console`)."""
    if where and where != "pty":
        el = ET.SubElement(devices, kind, type="file")
        ET.SubElement(el, "source", path=os.path.abspath(where))
    else:
        el = ET.SubElement(devices, kind, type="pty")
    if kind == "console":
        ET.SubElement(el, "target", type="xen", port="0")
    else:
        ET.SubElement(el, "target", port="0")


def xen_domain(opts):
    for flag in ("gdb", "machine", "status_file"):
        if getattr(opts, flag):
            raise kiln.KilnError(f"--{flag.replace('_', '-')} is for QEMU "
                                 "domains, not Xen ones")
    kiln_xen.check_mem(opts.mem)
    root = ET.Element("domain", type="xen")
    devices = common(root, opts, "xenpvh", None)
    for n, (path, ro) in enumerate(opts.disk):
        disk(devices, path, ro, f"xvd{chr(ord('a') + n)}", "xen", "qemu")
    for name in kiln_xen.bridges(opts.net):
        nic = ET.SubElement(devices, "interface", type="bridge")
        ET.SubElement(nic, "source", bridge=name)
    console(devices, opts.console, "console")
    return root
