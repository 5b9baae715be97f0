"""Classifies every difference between two ABI descriptions.

compare(old, new) -> [Change]; each change is "compatible" (an old guest or
an old hypervisor keeps working: something was added, or a reserved range
was used the way REVZ promises) or "breaking" (some existing binary changes
meaning).  The rules, item by item, are in docs/abi.md ("Diff classes").
"""
from dataclasses import asdict, dataclass
from typing import Dict, List, Optional, Tuple

from .model import REGS, Abi, parse_bits

COMPATIBLE = "compatible"
BREAKING = "breaking"


@dataclass
class Change:
    kind: str        # spec, opcode, hypercall, register, status, cpuid, flags, enum, struct, constant,
                     # exit_code
    item: str        # the item's name (hypercall name, constant name, enum.value, ...)
    what: str        # what changed, in words
    old: str         # old value ("-" when the item is new)
    new: str         # new value ("-" when the item was removed)
    verdict: str     # compatible | breaking

    def line(self) -> str:
        v = "BREAKING" if self.verdict == BREAKING else "compatible"
        return f"{v:<10}  {self.kind:<9}  {self.item}: {self.what}: {self.old} -> {self.new}"

    def as_dict(self) -> dict:
        return asdict(self)


def _h(v: Optional[int]) -> str:
    return "-" if v is None else f"{v:#x}"


# ---- bit/byte layouts ------------------------------------------------------------
# A layout is a list of parts (hi, lo, kind, text): kind "field" (text = its
# meaning, compared), "REVZ", "REVI" or "UNUSED" (a register the hypercall
# does not list).  The same comparison serves hypercall registers (bits),
# CPUID registers (bits) and struct fields (bytes).

def _fmt_range(hi, lo, unit):
    return f"[{hi}:{lo}]" if unit == "bits" else f"bytes {lo:#x}-{hi:#x}"


def _describe(parts, hi, lo, unit):
    """What a layout has over hi:lo, in words."""
    out = []
    for (h, l, kind, text) in parts:
        if h < lo or l > hi:
            continue
        what = text if kind == "field" else kind
        out.append(f"{_fmt_range(h, l, unit)} {what}")
    return "; ".join(out) or "-"


def _per_unit(parts, width):
    m = [None] * width
    for p in parts:
        hi, lo = p[0], p[1]
        for b in range(lo, hi + 1):
            m[b] = p
    return m


def _runs(bits):
    """Sorted unit numbers -> [(hi, lo)] contiguous runs, highest first."""
    runs, start, prev = [], None, None
    for b in sorted(bits):
        if start is None:
            start = prev = b
        elif b == prev + 1:
            prev = b
        else:
            runs.append((prev, start))
            start = prev = b
    if start is not None:
        runs.append((prev, start))
    return sorted(runs, reverse=True)


def compare_layout(old, new, width, where, kind, item, direction, unit="bits") -> List[Change]:
    """direction: "in" (the caller writes it: REVI->REVZ and new fields in
    REVI bits break old callers) or "out" (the caller reads it: new fields in
    reserved or unused bits are compatible, REVZ->REVI breaks)."""
    ch: List[Change] = []
    om, nm = _per_unit(old, width), _per_unit(new, width)
    oset = {(p[0], p[1], p[2], p[3]) for p in old}
    nset = {(p[0], p[1], p[2], p[3]) for p in new}
    # 1. old fields that are not there any more, unchanged
    for p in old:
        if p[2] == "field" and p not in nset:
            ch.append(Change(kind, item, f"{where}{_fmt_range(p[0], p[1], unit)} changed meaning/range",
                             f"{_fmt_range(p[0], p[1], unit)} {p[3]}",
                             _describe(new, p[0], p[1], unit), BREAKING))
    # 2. new fields
    for p in new:
        if p[2] != "field" or p in oset:
            continue
        olds = {om[b][2] if om[b] else "UNUSED" for b in range(p[1], p[0] + 1)}
        if "field" in olds:
            continue  # reported with the old field
        rng = _fmt_range(p[0], p[1], unit)
        if olds == {"REVZ"}:
            ch.append(Change(kind, item, f"{where}{rng} new field taken from REVZ",
                             "REVZ", p[3], COMPATIBLE))
        elif direction == "out":
            ch.append(Change(kind, item, f"{where}{rng} new output in reserved/unused bits",
                             "/".join(sorted(olds)), p[3], COMPATIBLE))
        else:
            ch.append(Change(kind, item, f"{where}{rng} new input in ignored bits (old callers may pass anything)",
                             "/".join(sorted(olds)), p[3], BREAKING))
    # 3. reserved -> reserved transitions
    trans: Dict[Tuple[str, str], List[int]] = {}
    for b in range(width):
        o = om[b][2] if om[b] else "UNUSED"
        n = nm[b][2] if nm[b] else "UNUSED"
        if o == n or "field" in (o, n):
            continue
        trans.setdefault((o, n), []).append(b)
    for (o, n), bits in sorted(trans.items()):
        oo = "REVI" if o == "UNUSED" and direction == "in" else o
        if oo == n:
            continue
        if direction == "in":
            verdict = BREAKING if n == "REVZ" else COMPATIBLE            # REVI->REVZ breaks callers
        else:
            verdict = BREAKING if o == "REVZ" and n != "REVZ" else COMPATIBLE  # reads as 0 no more
        for hi, lo in _runs(bits):
            ch.append(Change(kind, item, f"{where}{_fmt_range(hi, lo, unit)} reserved kind changed",
                             o, n, verdict))
    return ch


def _reg_parts(parts, reg):
    out = []
    for p in parts:
        if p.get("reg", reg) != reg:
            continue
        hi, lo = parse_bits(p["bits"], 64)
        if "reserved" in p:
            out.append((hi, lo, p["reserved"], p["reserved"]))
        else:
            out.append((hi, lo, "field", p["meaning"]))
    return out


def _cpuid_parts(parts):
    out = []
    for p in parts:
        hi, lo = parse_bits(p["bits"], 32)
        if "reserved" in p:
            out.append((hi, lo, p["reserved"], p["reserved"]))
        else:
            text = p["meaning"] + (f" (= {p['value']:#x})" if "value" in p else "")
            out.append((hi, lo, "field", text))
    return out


def _struct_parts(s):
    out = []
    for f in s["fields"]:
        hi, lo = f["offset"] + f["size"] - 1, f["offset"]
        if "reserved" in f:
            out.append((hi, lo, f["reserved"], f["reserved"]))
        else:
            cnt = f"[{f['count']}]" if "count" in f else ""
            out.append((hi, lo, "field", f"{f['name']}: {f['type']}{cnt}"))
    return out


# ---- items ---------------------------------------------------------------------------

def _by_name(items, key="name"):
    return {i[key]: i for i in items}


def _added_removed(kind, old, new, describe, ch):
    for n in new:
        if n not in old:
            ch.append(Change(kind, n, f"new {kind}", "-", describe(new[n]), COMPATIBLE))
    for n in old:
        if n not in new:
            ch.append(Change(kind, n, f"{kind} removed", describe(old[n]), "-", BREAKING))


def compare(old: Abi, new: Abi) -> List[Change]:
    ch: List[Change] = []

    # spec version and revision
    if old.spec_version != new.spec_version:
        ch.append(Change("spec", "spec_version", "spec ID (open_handle's version) changed",
                         _h(old.spec_version), _h(new.spec_version), BREAKING))
    if old.revision != new.revision:
        ch.append(Change("spec", "revision", "description revision changed" if new.revision > old.revision
                         else "description revision LOWERED", str(old.revision), str(new.revision),
                         COMPATIBLE if new.revision > old.revision else BREAKING))

    # opcodes
    oo, no = _by_name(old.data.get("opcode", [])), _by_name(new.data.get("opcode", []))
    _added_removed("opcode", oo, no, lambda o: f"{o['value']:#x} {o['constant']}", ch)
    for n in oo.keys() & no.keys():
        a, b = oo[n], no[n]
        if a["value"] != b["value"]:
            ch.append(Change("opcode", n, "renumbered opcode", _h(a["value"]), _h(b["value"]), BREAKING))
        for k in ("constant", "nosig"):
            if a[k] != b[k]:
                ch.append(Change("opcode", n, f"{k} renamed (source break)", a[k], b[k], BREAKING))
        for al in set(a.get("aliases", [])) - set(b.get("aliases", [])):
            ch.append(Change("opcode", n, "alias removed (source break)", al, "-", BREAKING))

    # hypercalls
    oh, nh = _by_name(old.hypercalls), _by_name(new.hypercalls)
    _added_removed("hypercall", oh, nh,
                   lambda h: f"{h['opcode']} {h['index']:#x} ({h['permission']}, "
                             f"{'handle' if h['handle'] else 'no handle'})", ch)
    for n in [h["name"] for h in old.hypercalls if h["name"] in nh]:
        a, b = oh[n], nh[n]
        oa, na = old.opcodes[a["opcode"]], new.opcodes[b["opcode"]]
        if oa["value"] != na["value"]:
            ch.append(Change("hypercall", n, "renumbered opcode", f"{a['opcode']} {oa['value']:#x}",
                             f"{b['opcode']} {na['value']:#x}", BREAKING))
        if a["index"] != b["index"]:
            ch.append(Change("hypercall", n, "renumbered index", _h(a["index"]), _h(b["index"]), BREAKING))
        if a["index_constant"] != b["index_constant"]:
            ch.append(Change("hypercall", n, "index constant renamed (source break)",
                             a["index_constant"], b["index_constant"], BREAKING))
        for al in set(a.get("aliases", [])) - set(b.get("aliases", [])):
            ch.append(Change("hypercall", n, "alias removed (source break)", al, "-", BREAKING))
        if a["permission"] != b["permission"]:
            ch.append(Change("hypercall", n, "permission changed", a["permission"], b["permission"],
                             COMPATIBLE if b["permission"] == "any" else BREAKING))
        if a["handle"] != b["handle"]:
            ch.append(Change("hypercall", n, "handle requirement changed", str(a["handle"]).lower(),
                             str(b["handle"]).lower(), BREAKING))
        for direction, key in (("in", "input"), ("out", "output")):
            for reg in REGS:
                op_, np_ = _reg_parts(a[key], reg), _reg_parts(b[key], reg)
                if not op_ and not np_:
                    continue
                if not op_:
                    op_ = [(63, 0, "UNUSED", "UNUSED")]
                if not np_:
                    np_ = [(63, 0, "UNUSED", "UNUSED")]
                ch += compare_layout(op_, np_, 64, f"{direction} {reg}", "register", n, direction)

    # status codes
    os_, ns = _by_name(old.statuses), _by_name(new.statuses)
    _added_removed("status", os_, ns, lambda s: f"{s['value']:#018x}", ch)
    for n in os_.keys() & ns.keys():
        if os_[n]["value"] != ns[n]["value"]:
            ch.append(Change("status", n, "changed status value", f"{os_[n]['value']:#018x}",
                             f"{ns[n]['value']:#018x}", BREAKING))

    # CPUID
    oc, nc = _by_name(old.cpuid), _by_name(new.cpuid)
    _added_removed("cpuid", oc, nc, lambda c: f"leaf {c['leaf']:#010x} {c['register']}", ch)
    for n in [c["name"] for c in old.cpuid if c["name"] in nc]:
        a, b = oc[n], nc[n]
        if (a["leaf"], a["register"]) != (b["leaf"], b["register"]):
            ch.append(Change("cpuid", n, "leaf/register changed", f"{a['leaf']:#010x} {a['register']}",
                             f"{b['leaf']:#010x} {b['register']}", BREAKING))
        ch += compare_layout(_cpuid_parts(a.get("parts", [])), _cpuid_parts(b.get("parts", [])),
                             32, "", "cpuid", n, "out")

    # flag sets
    of, nf = _by_name(old.flags), _by_name(new.flags)
    _added_removed("flags", of, nf, lambda f: f"{len(f['bits'])} flags", ch)
    for n in of.keys() & nf.keys():
        a, b = of[n], nf[n]
        ab, bb = _by_name(a["bits"]), _by_name(b["bits"])
        taken = 0
        for fn in bb:
            if fn not in ab:
                bit = bb[fn]["bit"]
                ok = bool(a["revz_mask"] >> bit & 1)
                taken |= 1 << bit if ok else 0
                ch.append(Change("flags", fn, "new flag bit" + (" taken from REVZ" if ok else
                                 " outside the REVZ range"), "-", f"bit {bit}",
                                 COMPATIBLE if ok else BREAKING))
        for fn in ab:
            if fn not in bb:
                ch.append(Change("flags", fn, "flag removed", f"bit {ab[fn]['bit']}", "-", BREAKING))
            elif ab[fn]["bit"] != bb[fn]["bit"]:
                ch.append(Change("flags", fn, "flag bit changed", f"bit {ab[fn]['bit']}",
                                 f"bit {bb[fn]['bit']}", BREAKING))
        expect = a["revz_mask"] & ~taken
        if b["revz_mask"] != expect:
            removed_flags = 0
            for fn in ab:
                if fn not in bb or ab[fn]["bit"] != bb[fn]["bit"]:
                    removed_flags |= 1 << ab[fn]["bit"]
            if b["revz_mask"] & ~removed_flags != expect & ~removed_flags:
                ch.append(Change("flags", n, "REVZ mask changed beyond the new flags",
                                 _h(a["revz_mask"]), _h(b["revz_mask"]), BREAKING))
        if a.get("revz_mask_constant") != b.get("revz_mask_constant"):
            ch.append(Change("flags", n, "REVZ mask constant renamed (source break)",
                             str(a.get("revz_mask_constant")), str(b.get("revz_mask_constant")), BREAKING))

    # enums
    oe, ne = _by_name(old.enums), _by_name(new.enums)
    _added_removed("enum", oe, ne, lambda e: f"{len(e['values'])} values", ch)
    for n in oe.keys() & ne.keys():
        a, b = oe[n], ne[n]
        av, bv = _by_name(a["values"]), _by_name(b["values"])
        old_vals = {v["value"] for v in a["values"]}
        old_max = max([v["value"] for v in a["values"] if not v.get("sentinel")], default=-1)
        old_sent = [v for v in a["values"] if v.get("sentinel")]
        sent_val = old_sent[0]["value"] if old_sent else None
        for vn, v in bv.items():
            if vn in av:
                continue
            at_end = v["value"] > old_max and (v["value"] not in old_vals or v["value"] == sent_val)
            if v.get("sentinel"):
                at_end = at_end and not old_sent
            ch.append(Change("enum", f"{n}.{vn}", "new enum value" + (" at the end" if at_end else
                             " not at the end"), "-", str(v["value"]), COMPATIBLE if at_end else BREAKING))
        for vn, v in av.items():
            if vn not in bv:
                ch.append(Change("enum", f"{n}.{vn}", "enum value removed", str(v["value"]), "-", BREAKING))
            elif bv[vn]["value"] != v["value"]:
                moved_sentinel = v.get("sentinel") and bv[vn].get("sentinel") and bv[vn]["value"] > v["value"]
                ch.append(Change("enum", f"{n}.{vn}", "end-of-list sentinel moved" if moved_sentinel
                                 else "changed enum value", str(v["value"]), str(bv[vn]["value"]),
                                 COMPATIBLE if moved_sentinel else BREAKING))

    # structs
    ost, nst = _by_name(old.structs), _by_name(new.structs)
    _added_removed("struct", ost, nst, lambda s: f"{s['size']} bytes", ch)
    for n in ost.keys() & nst.keys():
        a, b = ost[n], nst[n]
        if a["size"] != b["size"]:
            ch.append(Change("struct", n, "struct size changed", str(a["size"]), str(b["size"]), BREAKING))
        af, bf = _by_name(a["fields"]), _by_name(b["fields"])
        before = len(ch)
        for fn in af.keys() & bf.keys():
            x, y = af[fn], bf[fn]
            if "reserved" in x and "reserved" in y and a["size"] == b["size"]:
                continue  # reserved areas of a same-size struct: the layout comparison below
            if x["offset"] != y["offset"]:
                ch.append(Change("struct", f"{n}.{fn}", "field offset changed", _h(x["offset"]),
                                 _h(y["offset"]), BREAKING))
            if x["size"] != y["size"]:
                ch.append(Change("struct", f"{n}.{fn}", "field size changed", str(x["size"]),
                                 str(y["size"]), BREAKING))
            if (x["type"], x.get("count")) != (y["type"], y.get("count")) and x["size"] == y["size"]:
                ch.append(Change("struct", f"{n}.{fn}", "field type changed",
                                 f"{x['type']}[{x.get('count', 1)}]", f"{y['type']}[{y.get('count', 1)}]",
                                 BREAKING))
        field_changed = len(ch) > before or a["size"] != b["size"]
        if a["size"] == b["size"]:
            # fields carved out of a REVZ area are compatible; any other
            # difference in the layout breaks
            lay = compare_layout(_struct_parts(a), _struct_parts(b), a["size"], "", "struct", n, "in", "bytes")
            ch += [c for c in lay if c.verdict == COMPATIBLE or not field_changed]
        if field_changed:
            for fn in af.keys() - bf.keys():
                ch.append(Change("struct", f"{n}.{fn}", "field removed", _h(af[fn]["offset"]), "-", BREAKING))
            for fn in bf.keys() - af.keys():
                if a["size"] == b["size"] and any(c.item == n and c.verdict == COMPATIBLE and
                                                  c.new.startswith(f"{fn}:") for c in ch):
                    continue
                ch.append(Change("struct", f"{n}.{fn}", "new field", "-", _h(bf[fn]["offset"]), BREAKING))

    # constants
    ok_, nk = _by_name(old.constants), _by_name(new.constants)
    _added_removed("constant", ok_, nk, lambda c: f"{c['value']:#x}", ch)
    for n in ok_.keys() & nk.keys():
        a, b = ok_[n], nk[n]
        if a["value"] != b["value"]:
            ch.append(Change("constant", n, "changed constant value", _h(a["value"]), _h(b["value"]), BREAKING))
        if a["type"] != b["type"]:
            ch.append(Change("constant", n, "changed constant type", a["type"], b["type"], BREAKING))

    # the harness's exit codes (an old description may have none: nothing to compare)
    if old.exit_codes:
        ox, nx = _by_name(old.exit_codes), _by_name(new.exit_codes)
        _added_removed("exit_code", ox, nx, lambda x: str(x["value"]), ch)
        for n in ox.keys() & nx.keys():
            if ox[n]["value"] != nx[n]["value"]:
                ch.append(Change("exit_code", n, "changed exit code", str(ox[n]["value"]),
                                 str(nx[n]["value"]), BREAKING))

    # de-duplicate (a layout change can be seen from both sides)
    seen, out = set(), []
    for c in ch:
        k = (c.kind, c.item, c.what, c.old, c.new)
        if k not in seen:
            seen.add(k)
            out.append(c)
    return out


def verdict(changes: List[Change]) -> str:
    if any(c.verdict == BREAKING for c in changes):
        return BREAKING
    return COMPATIBLE if changes else "none"


EXIT = {"none": 0, COMPATIBLE: 1, BREAKING: 2}
