"""The difffuzz generator: seeded, deterministic, and driven by the ABI
description (abi/mv-abi.toml through abi/mvabi): every [[hypercall]] is a
candidate, and each input register part gets its values from the pool its
`meaning` names (docs/difffuzz.md "Generator"), so a new hypercall is
fuzzed without a code change.  Pools: IDs returned by earlier calls (the
outputs whose meaning names a VMID/VPID/VPSID), the open handle, boundary
values, random REVZ bits, MDLs (valid, overlapping, misaligned, chained,
foreign) and guest VMs with a tiny code snippet per exit reason, then run_vp.

Safety rules that keep the root VM alive whatever is removed by shrinking
(each is a property of single operations, so it holds for every
sub-program): an MDL entry never names a control page; guest code is written
only into a code page no earlier operation named; a page a call writes
(`!w`) is always an arena page.
"""
import random
import sys
from pathlib import Path

from . import prog as P

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "abi"))
from mvabi import model  # noqa: E402

M64 = 2**64 - 1
BOUNDARY = [0, 1, 2, 0xF, 0x10, 0xFF, 0x100, 0xFFF, 0x1000, 0x7FFF, 0xFFFF, 0x10000,
            0xFFFFFFFF, 0x100000000, 1 << 63, M64, M64 - 1]
MSRS = [0x10, 0x1B, 0x3A, 0x48, 0x49, 0xC1, 0x174, 0x175, 0x176, 0x1D9, 0x277, 0x6E0,
        0xC0000080, 0xC0000081, 0xC0000082, 0xC0000083, 0xC0000084, 0xC0000100,
        0xC0000101, 0xC0000102, 0xC0000103, 0xC0010114, 0xC0010117, 0x3A, 0xFFFFFFFF]
LEAVES = [0, 1, 7, 0xB, 0xD, 0x80000000, 0x80000001, 0x80000008, 0x40000000,
          0x40000001, 0x4000FFFF, 0x40010000, 0xFFFFFFFF]
GUEST_CODE_GPA = 0x10000
GUEST_TABLES_GPA = 0x1000
# One snippet per exit reason (docs/difffuzz.md "Guest snippets"), each
# ending in cli;hlt;jmp back to the cli, so that running the VP again is a
# hlt exit again.  No triple fault (bochs-amd ends the emulator there:
# triple-fault-exit) and no CPUID (its values are the CPU model's).
END = "faf4ebfc"
SNIPPETS = {
    "hlt": END,
    "yield": "fbf4" + END,
    "retry": "f390" + END,
    "fault-npt": "8a0425000000" "20" + END,           # mov al,[0x20000000]: no SLPT entry
    # lidt to GPA 0x30000000 (no SLPT entry), mov al,[0x40000000] (not in the
    # guest's tables): #PF whose IDT read is an SLPT fault at 0x300000E0
    "fault-pf": "0f011d0b000000" "8a042500000040" + END + "ff0f" "0000003000000000",
    "fault-io": "e680" + END,                          # out 0x80,al
    "sync_tsc": "b91000000031c031d20f30" + END,       # wrmsr IA32_TSC = 0
    "suspend": "66ba040666b800206639c066ef" + END,     # out 0x604, SLP_EN
}


class Gen:
    def __init__(self, seed: int, abi=None, snippets=None):
        self.rng = random.Random(seed)
        self.abi = abi or model.load(model.DEFAULT_PATH)
        # Every hypercall, mv_vp_run_vp included: a VPS in the reset state
        # runs in real mode on every backend (docs/difffuzz.md).
        self.calls = list(self.abi.hypercalls)
        self.by_name = {h["name"]: h for h in self.abi.hypercalls}
        self.reg_enum = [e["value"] for e in self._enum("bf_reg_t")]
        self.gpa_flags = self._flag_bits("gpa")
        self.snippets = snippets or SNIPPETS

    # ---- ABI look-ups ---------------------------------------------------
    def _enum(self, name):
        for e in self.abi.enums:
            if e["name"] == name:
                return e.get("values", e.get("enumerators", []))
        return []

    def _flag_bits(self, name):
        for f in self.abi.flags:
            if f["name"] == name:
                return [1 << b["bit"] for b in f["bits"]], f.get("revz_mask", 0)
        return [], 0

    def rax(self, name):
        return self.abi.rax(self.by_name[name])

    # ---- one program ------------------------------------------------------
    def program(self, name: str, min_ops=6, max_ops=40):
        self.ops = []
        self.pools = {"vmid": [], "vpid": [], "vpsid": []}
        self.named = set()  # (region, page) an op has named
        self.next_ctrl = 0
        self.next_code = 0
        self.next_donor = 0
        target = self.rng.randint(min_ops, max_ops)
        while len(self.ops) < target:
            r = self.rng.random()
            if r < 0.15:
                self.guest_recipe()
            else:
                self.call(self.rng.choice(self.calls))
        self.ops = self.ops[:P.MAX_OPS]
        return {"name": name, "expected": 0, "ops": self.ops}

    # ---- pools -----------------------------------------------------------
    def ctrl_page(self):
        p = self.next_ctrl % P.REGION_PAGES
        self.next_ctrl += 1
        return p

    def donor(self, n=1):
        if self.next_donor + n > P.REGION_PAGES or self.rng.random() < 0.3:
            return self.rng.randrange(0, P.REGION_PAGES - n + 1)
        p = self.next_donor
        self.next_donor += n
        return p

    def page_arg(self, region, p, off=0, writes=False):
        self.named.add((region, p))
        return P.page(region, p, off, writes)

    def pooled(self, kind):
        rng = self.rng
        pool = self.pools[kind]
        if pool and rng.random() < 0.8:
            op, reg = rng.choice(pool)
            return {"b": "out", "op": op, "reg": reg, "x": 0}
        if kind == "vmid":
            return P.lit(rng.choice([0, 1, 2, 0xF, 0x10, 0xFFFE, 0xFFFF, 0x10000, 1 << 32, M64]))
        # VPIDs and VPSIDs after 0 depend on the number of PPs (root VPs): only
        # the BSP's and IDs no backend has
        return P.lit(rng.choice([0, 0x40, 0xFFFE, 0xFFFF, 0x10000, 1 << 32, M64]))

    def boundary(self):
        rng = self.rng
        v = rng.choice(BOUNDARY) if rng.random() < 0.7 else rng.getrandbits(rng.choice([8, 16, 32, 64]))
        return v

    def gpa_flags_value(self):
        bits, revz = self.gpa_flags
        rng = self.rng
        v = 0
        for b in bits:
            if rng.random() < 0.5:
                v |= b
        if revz and rng.random() < 0.1:
            v |= 1 << rng.choice([i for i in range(64) if revz >> i & 1])
        return v

    # ---- MDLs ------------------------------------------------------------
    def mdl(self, dst=False, depth=0):
        """Emits an MDL op; returns the argument naming its page."""
        rng = self.rng
        page = self.ctrl_page()
        n = rng.choice([0, 1, 1, 1, 2, 3, 4])
        ents = []
        for _ in range(n):
            kind = rng.random()
            size = rng.choice([0x1000, 0x1000, 0x2000, 0x3000, 0, 0x800, 0x1001, 1 << 40])
            if kind < 0.6:
                p = self.donor(max(1, min(size, 0x3000) // 0x1000))
                if dst:
                    a = P.lit(rng.choice([0x100000, 0x200000, 0x400000, 0x1000, 0x0,
                                          0x7FFFF000, 1 << 47]) + 0x1000 * len(ents))
                else:
                    a = self.page_arg(1, p)
            elif kind < 0.7:  # overlapping: the previous entry's page again
                a = ents[-1][0] if ents else self.page_arg(1, 0)
            elif kind < 0.8:  # misaligned
                a = self.page_arg(1, self.donor(), rng.choice([1, 0x800, 0xFFF]))
            elif kind < 0.9:  # foreign: memory the root does not own
                a = {"b": "notowned", "o": 0, "x": 0}
            else:
                a = P.lit(self.boundary() & ~0xFFF)
            ents.append([a, size, self.gpa_flags_value() if rng.random() < 0.5 else 0])
        nxt = P.lit(0)
        if depth < 2 and rng.random() < 0.1:  # chained
            nxt = self.mdl(dst, depth + 1)
        num = len(ents) if rng.random() < 0.9 else rng.choice([0, 170, 0x10000, M64])
        revz = 0 if rng.random() < 0.9 else 1 << rng.randrange(64)
        self.ops.append({"op": "mdl", "page": page, "num": num, "revz": revz, "next": nxt,
                         "ents": ents})
        return P.page(0, page)

    # ---- one register's value from its parts' meanings -------------------
    def value_for(self, m: str, hc_name: str, lo: int):
        rng = self.rng
        m = m.lower()
        if m == "handle":
            return {"b": "handle", "x": 0} if rng.random() < 0.97 else P.lit(self.boundary())
        if "vpsid" in m:
            return self.pooled("vpsid")
        if "vpid" in m:
            return self.pooled("vpid")
        if "vmid" in m:
            return self.pooled("vmid")
        if "mdl" in m:
            return self.mdl(dst="destination" in m)
        if "gpa" in m and ("receives" in m or "may write" in m):
            if rng.random() < 0.8:
                return self.page_arg(0, self.ctrl_page(), 0, writes=True)
            return self.page_arg(1, self.donor(), rng.choice([0, 0, 8]), writes=True)
        if "gpa" in m:
            r = rng.random()
            if r < 0.5:
                return self.page_arg(0, self.ctrl_page())
            if r < 0.8:
                return self.page_arg(1, self.donor(rng.choice([1, 2])))
            # Never a literal GPA of RAM or ROM: its contents are the machine's
            # (GPA 0 holds the BIOS's IVT on QEMU and Bochs, zeros on mvsim).
            if r < 0.9:
                return {"b": "notowned", "o": rng.choice([0, 0x800]), "x": 0}
            return P.lit(rng.choice([1 << 52, 0xFFFFFFFFFFFFF000]))
        if "bf_reg_t" in m:
            return P.lit(rng.choice(self.reg_enum) if self.reg_enum and rng.random() < 0.9
                         else self.boundary())
        if "msr" in m:
            return P.lit(rng.choice(MSRS))
        if "leaf" in m:
            return P.lit(rng.choice(LEAVES) if lo == 0 else rng.choice([0, 1, 2, 0xFFFFFFFF]))
        if "flags" in m:
            return P.lit(self.gpa_flags_value())
        if "service" in m:
            return P.lit(rng.choice([0, 1, 5, 31, 31, 32, M64]) if rng.random() < 0.5 else rng.randrange(4))
        if "partition" in m:
            return P.lit(rng.choice([0, 1, 2, 3, 4, M64]))
        if "vector" in m:
            return P.lit(rng.choice([0, 31, 32, 33, 200, 255, 256]))
        if "version" in m:
            return P.lit(self.abi.spec_version if rng.random() < 0.8 else self.boundary())
        if "gva" in m:
            return P.lit(rng.choice([0, 0x10000, 0x200000, 0x40000000, 0x800000000000, M64]))
        if "size" in m or "count" in m:
            return P.lit(rng.choice([0, 1, 2, 16, 232, 233, 256, 257]))
        if "index" in m:
            return P.lit(rng.choice([0, 1, 4, 5, 10, 20, 40, 1000, M64]))
        if "code" in m:
            return P.lit(rng.choice([0, 1, 0xFFFF, 0x10000]))
        return P.lit(self.boundary())

    def call(self, hc, fixed=None):
        """Emits a call of hc; fixed: {reg index: arg} chosen by the caller."""
        rng = self.rng
        fixed = fixed or {}
        args = [P.lit(0) for _ in range(6)]
        by_reg = {}
        for part in hc.get("input", []):
            by_reg.setdefault(int(part["reg"][3]), []).append(part)
        for i in range(6):
            if i in fixed:
                args[i] = fixed[i]
                continue
            parts = by_reg.get(i)
            if not parts:
                if rng.random() < 0.05:  # a REVI register: junk is ignored
                    args[i] = P.lit(self.boundary())
                continue
            meaning = [p for p in parts if not p.get("reserved")]
            revz = [p for p in parts if p.get("reserved") == "REVZ"]
            if len(meaning) == 1 and meaning[0]["bits"] == "63:0":
                args[i] = self.value_for(meaning[0].get("meaning", ""), hc["name"], 0)
            else:
                v = 0
                arg = None
                for p in meaning:
                    hi, lo = model.parse_bits(p["bits"])
                    a = self.value_for(p.get("meaning", ""), hc["name"], lo)
                    if a["b"] != "lit" or lo == 0 and len(meaning) == 1:
                        arg = a
                        continue
                    # an address field (a GPA in 63:12) holds the address in place
                    shift = 0 if "gpa" in p.get("meaning", "").lower() else lo
                    v |= (a["v"] << shift) & model.bits_mask(hi, lo)
                args[i] = arg if arg is not None else P.lit(v)
            for p in revz:
                if rng.random() < 0.1:
                    hi, lo = model.parse_bits(p["bits"])
                    bit = 1 << rng.randint(lo, hi)
                    a = args[i]
                    if not a.get("w"):  # a written page stays an arena page
                        args[i] = dict(a, x=a.get("x", 0) ^ bit)
        if not fixed and rng.random() < 0.02:  # a REVZ bit of RAX (the hypercall flags)
            rax = self.abi.rax(hc) | 1 << rng.randint(33, 47)
        else:
            rax = self.abi.rax(hc)
        op = len(self.ops)
        self.ops.append({"op": "call", "rax": rax, "args": args})
        for part in hc.get("output", []):
            m = part.get("meaning", "").lower()
            for kind in ("vpsid", "vpid", "vmid"):
                if kind in m and "calling" not in m:
                    self.pools[kind].append((op, int(part["reg"][3])))
                    break
        return op

    # ---- a guest VM that runs a snippet ------------------------------------
    def map_root_pages(self, vmid, src_page, size, dst_gpa, flags):
        """map_mdl of root pages (one-entry MDLs) to dst_gpa in the VM vmid."""
        src, dst = self.ctrl_page(), self.ctrl_page()
        for page, ent in ((src, src_page), (dst, P.lit(dst_gpa))):
            self.ops.append({"op": "mdl", "page": page, "num": 1, "revz": 0, "next": P.lit(0),
                             "ents": [[ent, size, 0]]})
        self.call(self.by_name["mv_vm_op_map_mdl"],
                  {0: {"b": "handle", "x": 0}, 1: P.lit(0), 2: P.page(0, src), 3: vmid,
                   4: P.page(0, dst), 5: P.lit(flags)})

    def guest_recipe(self):
        rng = self.rng
        h = {"b": "handle", "x": 0}
        vm = self.call(self.by_name["mv_vm_op_create_vm"], {0: h})
        vmid = {"b": "out", "op": vm, "reg": 0, "x": 0}
        vp = self.call(self.by_name["mv_vp_op_create_vp"], {0: h, 1: vmid})
        vpid = {"b": "out", "op": vp, "reg": 0, "x": 0}
        vps = self.call(self.by_name["mv_vps_op_create_vps"], {0: h, 1: vpid})
        vpsid = {"b": "out", "op": vps, "reg": 0, "x": 0}
        code = self.next_code
        if code >= P.REGION_PAGES:
            return
        self.next_code += 1
        name = rng.choice(sorted(self.snippets))
        self.ops.append({"op": "code", "page": code, "bytes": self.snippets[name]})
        bits, _ = self.gpa_flags
        rwx, donate = bits[0] | bits[1] | bits[2], bits[3]
        donate_or_share = donate if rng.random() < 0.8 else 0
        self.map_root_pages(vmid, self.page_arg(2, code), 0x1000, GUEST_CODE_GPA,
                            rwx | donate_or_share)
        if self.next_donor + 3 > P.REGION_PAGES:
            return
        d = self.next_donor
        self.next_donor += 3
        self.map_root_pages(vmid, self.page_arg(1, d), 0x3000, GUEST_TABLES_GPA,
                            bits[0] | bits[1] | donate)
        self.call(self.by_name["mv_vps_op_set_identity_map"],
                  {0: h, 1: vpsid, 2: P.lit(GUEST_TABLES_GPA)})
        rip = next(e["value"] for e in self._enum("bf_reg_t") if e["name"] == "bf_reg_t_rip")
        self.call(self.by_name["mv_vps_op_set_reg"],
                  {0: h, 1: vpsid, 2: P.lit(rip), 3: P.lit(GUEST_CODE_GPA)})
        for _ in range(rng.choice([1, 1, 2])):
            self.call(self.by_name["mv_vp_run_vp"], {0: h, 1: vpid})
        self.pools["vmid"].append((vm, 0))
        self.pools["vpid"].append((vp, 0))
        self.pools["vpsid"].append((vps, 0))


def programs(seed: int, n: int, prefix="s"):
    g = Gen(seed)
    return [g.program(f"{prefix}{seed}-{i}") for i in range(n)]
