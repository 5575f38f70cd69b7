#!/usr/bin/env python3
"""syscalls.py ELF [SYSMAP]: the Linux system-call numbers the code in
ELF can make, one a line, found in its machine code; or "all" when some
call's number cannot be pinned down. With SYSMAP (the map syscall.c
leaves in the image), also the key of each of its argument conditions
the code can meet ("41:1&0xffff=1": call 41 with its first argument,
masked, equal to 1), where a call needs a part only for some values
(an AF_UNIX socket needs sys_unix.c, a TCP one does not).

kiln-bake links a program with its libc first without any system-call
handler, asks this which numbers the program and libc can make, and
keeps only those handlers (and what they reach) in the image: the
program decides what the image carries.

How: objdump -d, then for every `syscall` instruction the value of %rax
is traced back through register moves to immediates (`mov $N`, `xor`).
Straight-line code is followed exactly; where a branch joins, every
write of the register in the function counts (a superset, which only
keeps more). A register that comes in as an argument (musl's syscall()
and __syscall_cp) is traced at every call of that function. Any other
source (memory, arithmetic, a call's result) makes the answer "all": a
number never wrongly dropped matters more than a small image.

An argument is traced the same way from the `syscall` instructions whose
%rax may hold the call's number, through `and $mask` (musl's socket()
clears SOCK_NONBLOCK on a retry); a source it cannot follow counts as
meeting the condition.

Calls that cannot run in a Kiln process are left out (UNREACHABLE):
musl's __init_libc polls descriptors 0-2 and opens /dev/null only for a
setuid program (AT_SECURE, or AT_UID unlike AT_EUID or AT_GID unlike
AT_EGID in the auxiliary vector), and components/posix/start.c passes
none of those, so a program that opens no file links no filesystem.

Limits: x86_64 AT&T syntax as GNU objdump prints it; a function reached
only through a pointer and passing its number in an argument is not
seen (musl has none).
"""
import re
import subprocess
import sys

ARGS = ["rdi", "rsi", "rdx", "rcx", "r8", "r9"]
# A system call's arguments (the kernel's convention: %r10, not %rcx).
CALL_ARGS = ["rdi", "rsi", "rdx", "r10", "r8", "r9"]
NAMES = {
    "rax": "rax eax ax al", "rbx": "rbx ebx bx bl", "rcx": "rcx ecx cx cl",
    "rdx": "rdx edx dx dl", "rsi": "rsi esi si sil", "rdi": "rdi edi di dil",
    "rbp": "rbp ebp bp bpl", "rsp": "rsp esp sp spl",
}
for i in range(8, 16):
    NAMES[f"r{i}"] = f"r{i} r{i}d r{i}w r{i}b"
for r in "abcd":
    NAMES[f"r{r}x"] += f" {r}h"
REG = {alias: full for full, a in NAMES.items() for alias in a.split()}
# Writing these leaves the rest of the register as it was.
PARTIAL = {a for full, al in NAMES.items() for a in al.split()[2:]}
STRING = ("rep", "repz", "repnz", "repe", "repne", "stos", "lods", "scas",
          "cmps", "movsb", "movsw", "movsl", "movsq", "stosb", "stosw",
          "stosl", "stosq", "lodsb", "lodsq", "scasb", "cmpsb")
# Instructions that write %rax (or %rdx) without naming it last.
IMPLICIT = {"rax": ("cmpxchg", "cltq", "cqto", "cltd", "cwtl", "mul",
                    "div", "idiv", "syscall", "call", "lods", "xadd",
                    "rdtsc", "rdrand", "cpuid"),
            "rdx": ("cqto", "cltd", "mul", "div", "idiv", "rdtsc",
                    "cpuid")}
ENDS = ("jmp", "ret", "ud2", "hlt")
NO_WRITE = ("cmp", "test", "push", "bt", "jmp", "j", "ret", "nop", "call",
            "ucomis", "comis")

# Function: the call numbers its code makes only where Kiln's process
# state never leads (see the docstring): poll (7) and open (2).
UNREACHABLE = {"__init_libc": {2, 7}}

NAME = {}


class Unknown(Exception):
    pass


def parse(path):
    out = subprocess.run(["objdump", "-d", "--no-show-raw-insn", path],
                         capture_output=True, text=True, check=True).stdout
    funcs, cur = {}, None
    for line in out.splitlines():
        m = re.match(r"^([0-9a-f]+) <(.*)>:$", line)
        if m:
            cur = funcs.setdefault(int(m.group(1), 16), [])
            NAME[int(m.group(1), 16)] = m.group(2)
            continue
        m = re.match(r"^\s+([0-9a-f]+):\s+(\S+)\s*(.*)$", line)
        if m and cur is not None:
            ops = re.sub(r"\s+#.*$", "", m.group(3)).strip()
            cur.append((int(m.group(1), 16), m.group(2), ops))
    return funcs


def operands(ops):
    """Split AT&T operands at top-level commas."""
    parts, depth, cur = [], 0, ""
    for ch in ops:
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur.strip())
    return parts


def reg_of(op):
    return REG.get(op[1:]) if op.startswith("%") else None


def writes(insn, reg):
    """None, or how insn writes reg: ('imm', n), ('reg', r), ('other',)."""
    _, mn, ops = insn
    base = mn.split(".")[0]
    if any(base.startswith(p) for p in IMPLICIT.get(reg, ())):
        return ("other",)
    if base in ("syscall",) and reg in ("rcx", "r11"):
        return ("other",)
    if base in STRING and reg in ("rdi", "rsi", "rcx", "rax"):
        return ("other",)
    if base.startswith("cpuid") and reg in ("rbx", "rcx"):
        return ("other",)
    if base.startswith("call"):
        return ("other",) if reg in ("rax",) else None
    ops_l = operands(ops)
    if not ops_l or reg_of(ops_l[-1]) != reg:
        if base.startswith(("xchg", "xadd")) and \
                any(reg_of(o) == reg for o in ops_l):
            return ("other",)
        return None
    if ops_l[-1][1:] in PARTIAL:
        src = ops_l[0] if len(ops_l) == 2 else ""
        if base.startswith("mov") and src.startswith("$"):
            return ("low", int(src[1:], 0))  # musl's __clone: xor; mov $56,%al
        return ("other",)
    if any(base.startswith(p) for p in NO_WRITE):
        return None
    src = ops_l[0] if len(ops_l) == 2 else None
    if base.startswith("mov") and not base.startswith(("movs", "movz")) \
            or base in ("movslq",):
        if src and src.startswith("$"):
            return ("imm", int(src[1:], 0))
        if src and reg_of(src):
            return ("reg", reg_of(src))
    if base.startswith("xor") and src and reg_of(src) == reg:
        return ("imm", 0)
    if base.startswith("and") and src and src.startswith("$"):
        name = ops_l[-1][1:]
        width = 0xffffffff if name[0] == "e" or name[-1] == "d" else -1
        return ("and", int(src[1:], 0) & width)
    if base.startswith("pop"):
        return ("pop",)
    return ("other",)


class Analysis:
    def __init__(self, funcs):
        self.funcs = funcs
        self.callers = {}  # function: its calls and tail jumps
        for start, body in funcs.items():
            for i, (addr, mn, ops) in enumerate(body):
                m = re.match(r"^([0-9a-f]+)( <.*>)?$", ops)
                if not m or not (mn.startswith("j") or mn.startswith("call")):
                    continue
                dest = int(m.group(1), 16)
                if dest in funcs and dest != start:
                    self.callers.setdefault(dest, []).append((start, i))
        self.forwarded = {}
        # Functions that never return (_exit): no ret, no jump out.
        self.noreturn = {
            start for start, body in funcs.items()
            if body and not any(
                mn.startswith("ret") or mn == "jmp" and
                (ops.startswith("*") or self.jumps_out(start, ops))
                for _, mn, ops in body)}
        self.pred = {}

    def jumps_out(self, start, ops):
        m = re.match(r"^([0-9a-f]+)( <.*>)?$", ops)
        body = self.funcs[start]
        return m and not body[0][0] <= int(m.group(1), 16) <= body[-1][0]

    def preds(self, start):
        """For each instruction of the function, those that run just
        before it: the one above unless it ends the flow, and jumps."""
        if start in self.pred:
            return self.pred[start]
        body = self.funcs[start]
        index = {addr: k for k, (addr, _, _) in enumerate(body)}
        pred = [[] for _ in body]
        for k, (addr, mn, ops) in enumerate(body):
            m = re.match(r"^([0-9a-f]+)( <.*>)?$", ops)
            ends = mn in ENDS or mn.startswith("call") and m and \
                int(m.group(1), 16) in self.noreturn
            if k + 1 < len(body) and not ends:
                pred[k + 1].append(k)
            if mn.startswith("j") and m and int(m.group(1), 16) in index:
                pred[index[int(m.group(1), 16)]].append(k)
        # A block nothing falls or jumps into is a jump table's target:
        # any of the function's indirect jumps may lead there.
        tables = [k for k, (_, mn, ops) in enumerate(body)
                  if mn == "jmp" and ops.startswith("*")]
        for k in range(1, len(body)):
            if not pred[k] and "nop" not in body[k][1] + body[k][2]:
                pred[k] = list(tables)
        self.pred[start] = pred
        return pred

    def trace(self, start, i, reg):
        """The numbers reg may hold just before body[i] of function start,
        over every path that leads there."""
        body, pred = self.funcs[start], self.preds(start)
        # mask: what `and $mask` on the way there leaves of a value.
        vals, todo, seen = set(), [(i, reg, -1)], set()
        while todo:
            k, r, mask = todo.pop()
            if (k, r, mask) in seen:
                continue
            seen.add((k, r, mask))
            if k == 0:
                vals |= {v & mask for v in self.argument(start, r)}
            elif not pred[k] and "nop" in body[k][1] + body[k][2]:
                continue  # alignment padding after a jump: never runs
            elif not pred[k]:
                raise Unknown(f"{body[k][1]} at {body[k][0]:#x} in "
                              f"{NAME[start]} is reached by no known path")
            for p in pred[k]:
                if zero_on_jump(body, p, k, r):
                    vals.add(0)
                    continue
                w = writes(body[p], r)
                if not w:
                    todo.append((p, r, mask))
                elif w[0] == "reg":
                    todo.append((p, w[1], mask))
                elif w[0] == "and":
                    todo.append((p, r, mask & w[1]))
                else:
                    vals |= {v & mask for v in self.resolve(start, p, w)}
        return vals

    def resolve(self, start, j, w):
        if w[0] == "imm":
            return {w[1]}
        body = self.funcs[start]
        if w[0] == "low" and j > 0 and \
                writes(body[j - 1], reg_of(operands(body[j][2])[-1])) == \
                ("imm", 0):
            return {w[1]}
        if w[0] == "pop" and j > 0 and body_push(self.funcs[start][j - 1]):
            return {body_push(self.funcs[start][j - 1])}
        addr, mn, ops = self.funcs[start][j]
        raise Unknown(f"{mn} {ops} at {addr:#x} in {NAME[start]}")

    def argument(self, start, reg):
        if reg not in ARGS:
            raise Unknown(f"%{reg} on entry to {NAME[start]}")
        key = (start, reg)
        if key in self.forwarded:
            return self.forwarded[key]
        self.forwarded[key] = set()  # a recursive call adds nothing new
        vals = set()
        try:
            for caller, i in self.callers.get(start, []):
                vals |= self.trace(caller, i, reg)
        except Unknown:
            # Not the empty placeholder: a later question about the same
            # argument (another condition of the call) must fail too.
            del self.forwarded[key]
            raise
        self.forwarded[key] = vals
        return vals

    def numbers(self):
        nums, self.sites = set(), []
        for start, body in self.funcs.items():
            for i, (addr, mn, _) in enumerate(body):
                if mn == "syscall":
                    vals = self.trace(start, i, "rax")
                    vals -= UNREACHABLE.get(NAME[start], set())
                    self.sites.append((start, i, vals))
                    nums |= vals
        return nums

    def meets(self, nr, arg, mask, value):
        """Whether some call nr may pass value in argument arg (1-6),
        masked; a value that cannot be traced may be it."""
        for start, i, vals in self.sites:
            if nr not in vals:
                continue
            try:
                got = self.trace(start, i, CALL_ARGS[arg - 1])
            except Unknown:
                return True
            if any(v & mask == value for v in got):
                return True
        return False


def zero_on_jump(body, p, k, reg):
    """Whether body[p] jumps to body[k] only when reg is 0: `test reg,
    reg; je` (gcc passes read's number, 0, so)."""
    if p + 1 == k or body[p][1] not in ("je", "jz") or p == 0:
        return False
    _, mn, ops = body[p - 1]
    regs = [reg_of(o) for o in operands(ops)]
    return mn.startswith("test") and regs == [reg, reg]


def body_push(insn):
    _, mn, ops = insn
    if mn.startswith("push") and ops.startswith("$"):
        return int(ops[1:], 0)
    return None


def conditions(path):
    """The argument conditions of a system-call map: {key: (nr, arg,
    mask, value)} for its lines "NR:ARG&MASK=VALUE needs..."."""
    out = {}
    with open(path, encoding="ascii") as f:
        for line in f:
            m = re.match(r"^((\d+):(\d)&(\w+)=(\w+))\s", line)
            if m:
                out[m.group(1)] = tuple(int(g, 0) for g in m.groups()[1:])
    return out


def main():
    analysis = Analysis(parse(sys.argv[1]))
    try:
        nums = analysis.numbers()
    except Unknown as e:
        print("all")
        print(f"kiln bake: every system-call handler is linked: a call's "
              f"number is only known at run time ({e})", file=sys.stderr)
        return
    for n in sorted(nums):
        print(n)
    conds = conditions(sys.argv[2]) if len(sys.argv) > 2 else {}
    for key, (nr, arg, mask, value) in sorted(conds.items()):
        if nr in nums and analysis.meets(nr, arg, mask, value):
            print(key)


if __name__ == "__main__":
    main()
