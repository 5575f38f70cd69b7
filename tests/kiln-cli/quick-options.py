#!/usr/bin/python3 -S
"""quick-options.py ROOT IMAGE FILE: kiln run's quick option reader
(parse_run_quickly) reads what argparse reads, the same way, and leaves
to argparse everything it must explain (help, errors). Prints one
summary line, "# " lines for each difference; exit 1 on any."""

import os
import sys

sys.path.insert(0, os.path.join(sys.argv[1], "scripts"))
import kiln_cli as k  # noqa: E402

floor, disk = sys.argv[2], sys.argv[3]
same = [
    ["run", floor],
    ["run", "--mem", "16", floor, "--accel=tcg", "--machine", "pc"],
    ["run", floor, "--iso", "--uefi", "--gdb", "1234", "--timeout", "2.5"],
    ["run", floor, "--disk", disk, "--disk=" + disk + ",ro", "--nic", "e1000"],
    ["run", floor, "--net", "user,hostfwd=tcp:127.0.0.1:8080-:80",
     "--net", "user", "--boot", "ip=dhcp", "--boot=k=v"],
    ["run", floor, "--rootfs", disk, "--testbed", "--xen", "--print-qemu"],
]
slow = [["run"], ["run", floor, "--help"], ["run", floor, "--mem", "abc"],
        ["run", floor, "--frob"], ["run", floor, floor],
        ["run", floor, "--machine", "foo"], ["run", floor, "--iso=1"],
        ["run", floor, "--timeout", "-1"], ["test", floor, "--expect", "x"],
        ["run", floor, "--net", "user,hostfwd=tcp:1:2"]]
bad = 0
for argv in same:
    quick = k.parse_run_quickly(argv)
    full, rest = k.make_parser("run").parse_known_args(argv)
    if quick is None or vars(quick) != vars(full) or rest:
        bad += 1
        print(f"# differs: {argv}: {quick and vars(quick)} vs {vars(full)}")
for argv in slow:
    if k.parse_run_quickly(argv) is not None:
        bad += 1
        print(f"# read quickly, argparse must: {argv}")
print(f"{len(same)} alike, {len(slow)} left to argparse, {bad} wrong")
sys.exit(bad != 0)
