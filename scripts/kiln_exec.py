"""kiln_exec: `kiln run|test --exec FILE [--rootfs DIR] [-- ARGS]` boots an
unmodified static Linux executable with the loader image (app/exec).

The command line is rewritten before the usual parsing: IMAGE becomes
images/exec-TARGET.elf (built with make when missing; exec-xen.elf with
--xen or --testbed, whose boot archive is xl's ramdisk), FILE joins the
--rootfs directory's files as /bin/NAME in a scratch directory that
becomes the boot archive, and `exec=/bin/NAME` is added as a boot option,
so the program's argv[0] is its own path. The guest's loader decides
whether FILE is a static x86_64 executable and says why not in one line
(exit 126). Limits: --rootfs must be a directory here, not an archive;
the scratch copy costs the directory's size in /tmp.
"""

import os
import shutil
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
EXEC_MEM = "64"  # loader and program: past 8 MiB (default), 18 (Xen floor)


class ExecError(Exception):
    pass


def take_option(head, flag):
    """Remove `flag VALUE` or `flag=VALUE` from head; its value or None."""
    for i, word in enumerate(head):
        if word == flag:
            if i + 1 >= len(head):
                raise ExecError(f"{flag} needs a value")
            value = head[i + 1]
            del head[i:i + 2]
            return value
        if word.startswith(flag + "="):
            del head[i]
            return word[len(flag) + 1:]
    return None


def loader_image(target):
    image = os.path.join(ROOT, "images", f"exec-{target}.elf")
    if not os.path.isfile(image):
        subprocess.run(["make", "-C", ROOT, "-s", "--no-print-directory",
                        "APP=exec", f"TARGET={target}", "image"],
                       stdout=subprocess.DEVNULL, check=False)
    if not os.path.isfile(image):
        raise ExecError(f"no {image}; run make APP=exec TARGET={target}")
    return image


def archive_dir(program, rootfs):
    """A scratch directory: rootfs's files and the program in /bin."""
    if rootfs is not None and not os.path.isdir(rootfs):
        raise ExecError(f"--exec needs --rootfs to be a directory: {rootfs}")
    work = tempfile.mkdtemp(prefix="kiln-exec.")
    if rootfs:
        shutil.copytree(rootfs, work, symlinks=True, dirs_exist_ok=True)
    os.makedirs(os.path.join(work, "bin"), exist_ok=True)
    shutil.copy(program, os.path.join(work, "bin", os.path.basename(program)))
    return work


def rewrite(argv):
    """(argv for kiln's own parser, scratch directory or None)."""
    if argv[:1] not in (["run"], ["test"]):
        return argv, None
    cut = argv.index("--") if "--" in argv else len(argv)
    head, tail = argv[1:cut], argv[cut:]
    program = take_option(head, "--exec")
    if program is None:
        return argv, None
    if not os.path.isfile(program):
        raise ExecError(f"--exec {program}: no such file")
    xen = "--testbed" in head or "--xen" in head
    image = loader_image("xen" if xen else "baremetal")
    work = archive_dir(program, take_option(head, "--rootfs"))
    mem = [] if any(w.startswith("--mem") for w in head) else ["--mem",
                                                               EXEC_MEM]
    name = os.path.basename(program)
    return ([argv[0], image] + head + mem +
            ["--rootfs", work, "--boot", f"exec=/bin/{name}"] + tail, work)
