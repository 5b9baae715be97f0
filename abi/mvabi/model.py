"""Loading and validating abi/mv-abi.toml.

`load(path)` / `loads(text)` return an `Abi`: the parsed TOML with defaults
filled in and every consistency rule checked.  Errors raise `AbiError` with
one line per problem.
"""
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

REPO = Path(__file__).resolve().parents[2]
DEFAULT_PATH = REPO / "abi" / "mv-abi.toml"

REGS = ("REG0", "REG1", "REG2", "REG3", "REG4", "REG5")
RESERVED = ("REVZ", "REVI")
C_TYPES = ("uint64_t", "uint32_t", "uint16_t", "uint8_t", "int", "unsigned")
CPUID_REGS = ("eax", "ebx", "ecx", "edx", "all")
HEADERS = ("mv_abi.h", "mv_reg.h")
WRAPPER_KINDS = ("handle", "handle_open", "handle_close", "in", "out")
WRAPPER_TYPES = ("uint64_t", "uint32_t", "uint16_t", "uint8_t")
EXIT_SOURCES = ("probe", "backend")
C_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
SIG = 0x764D000000000000


class AbiError(Exception):
    """The description cannot be read or breaks a rule (message: one line each)."""


def parse_bits(text: str, width: int = 64) -> Tuple[int, int]:
    m = re.fullmatch(r"\s*(\d+)\s*:\s*(\d+)\s*", str(text))
    if not m:
        raise ValueError(f"bits {text!r} is not HI:LO")
    hi, lo = int(m.group(1)), int(m.group(2))
    if not (0 <= lo <= hi < width):
        raise ValueError(f"bits {text!r} outside {width - 1}:0 or reversed")
    return hi, lo


def bits_mask(hi: int, lo: int) -> int:
    return ((1 << (hi - lo + 1)) - 1) << lo


@dataclass
class Abi:
    data: dict
    source: str = "<string>"
    opcodes: Dict[str, dict] = field(default_factory=dict)

    # Convenience accessors (lists keep the file's order).
    @property
    def spec_version(self) -> int:
        return self.data["spec_version"]

    @property
    def revision(self) -> int:
        return self.data["revision"]

    @property
    def hypercalls(self) -> List[dict]:
        return self.data.get("hypercall", [])

    @property
    def statuses(self) -> List[dict]:
        return self.data.get("status", [])

    @property
    def cpuid(self) -> List[dict]:
        return self.data.get("cpuid", [])

    @property
    def flags(self) -> List[dict]:
        return self.data.get("flags", [])

    @property
    def enums(self) -> List[dict]:
        return self.data.get("enum", [])

    @property
    def structs(self) -> List[dict]:
        return self.data.get("struct", [])

    @property
    def constants(self) -> List[dict]:
        return self.data.get("constant", [])

    @property
    def exit_codes(self) -> List[dict]:
        return self.data.get("exit_code", [])

    def opcode_of(self, hc: dict) -> dict:
        return self.opcodes[hc["opcode"]]

    def rax(self, hc: dict) -> int:
        return SIG | (self.opcode_of(hc)["value"] << 16) | hc["index"]

    def all_values(self) -> Dict[str, int]:
        """Every named integer of the ABI: name -> value (the C macros and
        enumerators the generated headers define)."""
        out: Dict[str, int] = {"MV_SPEC_ID1_VAL": self.spec_version}
        for op in self.data.get("opcode", []):
            full = SIG | (op["value"] << 16)
            out[op["constant"]] = full
            for a in op.get("aliases", []):
                out[a] = full
            out[op["nosig"]] = op["value"] << 16
        for hc in self.hypercalls:
            out[hc["index_constant"]] = hc["index"]
            for a in hc.get("aliases", []):
                out[a] = hc["index"]
        for st in self.statuses:
            out[st["name"]] = st["value"]
        for fl in self.flags:
            for b in fl["bits"]:
                out[b["name"]] = 1 << b["bit"]
            if fl.get("revz_mask_constant"):
                out[fl["revz_mask_constant"]] = fl["revz_mask"]
        for en in self.enums:
            for v in en["values"]:
                out[v["name"]] = v["value"]
        for c in self.constants:
            out[c["name"]] = c["value"]
        return out


def _need(errors, where, obj, key, types):
    if key not in obj:
        errors.append(f"{where}: missing '{key}'")
        return False
    if not isinstance(obj[key], types) or isinstance(obj[key], bool) and bool not in (
            types if isinstance(types, tuple) else (types,)):
        errors.append(f"{where}: '{key}' has the wrong type ({type(obj[key]).__name__})")
        return False
    return True


def _check_parts(errors, where, parts, width, keyed_by_reg):
    """Register parts: bits valid, meaning xor reserved, no overlap, and each
    register that is described is described over its whole width."""
    cover: Dict[str, int] = {}
    for i, p in enumerate(parts):
        w = f"{where}[{i}]"
        reg = p.get("reg", "-") if keyed_by_reg else "-"
        if keyed_by_reg and reg not in REGS:
            errors.append(f"{w}: reg {reg!r} is not one of {', '.join(REGS)}")
            continue
        try:
            hi, lo = parse_bits(p.get("bits", ""), width)
        except ValueError as e:
            errors.append(f"{w}: {e}")
            continue
        has_m, has_r = "meaning" in p, "reserved" in p
        if has_m == has_r:
            errors.append(f"{w}: needs exactly one of 'meaning' or 'reserved'")
        if has_r and p["reserved"] not in RESERVED:
            errors.append(f"{w}: reserved must be REVZ or REVI")
        m = bits_mask(hi, lo)
        if cover.get(reg, 0) & m:
            errors.append(f"{w}: {reg} bits {hi}:{lo} overlap another part")
        cover[reg] = cover.get(reg, 0) | m
    full = (1 << width) - 1
    for reg, m in cover.items():
        if m != full:
            errors.append(f"{where}: {reg if keyed_by_reg else 'register'} is not described over "
                          f"{width - 1}:0 (mask {m:#x})")


def _input_regs(hc) -> set:
    """The registers a hypercall takes a value in (a part with a meaning)."""
    return {p["reg"] for p in hc["input"] if "meaning" in p and p.get("reg") in REGS}


def _check_handler(errors, w, hc):
    """handler: the api_* function hv/core's decode table calls; handler_args:
    the input registers it takes, in order, each one the hypercall reads.
    Optional here (abi-diff reads descriptions older than the decode table);
    the generator requires them (gen.require_handlers)."""
    if "handler" not in hc and "handler_args" not in hc:
        return
    if not _need(errors, w, hc, "handler", str) or not _need(errors, w, hc, "handler_args", list):
        return
    if not re.fullmatch(C_IDENT, hc["handler"]):
        errors.append(f"{w}: handler {hc['handler']!r} is not a C identifier")
    regs = _input_regs(hc)
    for r in hc["handler_args"]:
        if r not in regs:
            errors.append(f"{w}: handler_args names {r!r}, which is not an input register "
                          "with a meaning")
    if len(set(hc["handler_args"])) != len(hc["handler_args"]):
        errors.append(f"{w}: handler_args names a register twice")


def _check_wrapper(errors, w, hc):
    """wrapper: the C parameters of the generated inline wrapper.  Inputs go
    to input registers with a meaning, outputs come from REG0/REG1 (what
    _mv_call returns) of the output, the handle from REG0, each once."""
    params = hc["wrapper"]
    if not isinstance(params, list):
        errors.append(f"{w}: wrapper must be a list of parameters")
        return
    ins, outs = _input_regs(hc), {p["reg"] for p in hc["output"] if "meaning" in p}
    used_in, used_out, names = set(), set(), set()
    for i, p in enumerate(params):
        pw = f"{w} wrapper[{i}]"
        if not isinstance(p, dict) or p.get("kind") not in WRAPPER_KINDS:
            errors.append(f"{pw}: kind must be one of {', '.join(WRAPPER_KINDS)}")
            continue
        kind, name = p["kind"], p.get("name")
        if not isinstance(name, str) or not re.fullmatch(C_IDENT, name) or name in names:
            errors.append(f"{pw}: name {name!r} is not a C identifier, or is used twice")
        names.add(name)
        if kind in ("in", "out") and p.get("type") not in WRAPPER_TYPES:
            errors.append(f"{pw}: type must be one of {', '.join(WRAPPER_TYPES)}")
        if "null_status" in p and (kind == "in" or not isinstance(p["null_status"], int)
                                   or not 0 <= p["null_status"] <= 5):
            errors.append(f"{pw}: null_status (0..5) applies to pointer parameters only")
        if p.get("optional") and kind != "out":
            errors.append(f"{pw}: only an out parameter may be optional")
        reg, used, avail = {"handle": ("REG0", used_in, ins), "handle_close": ("REG0", used_in, ins),
                            "handle_open": ("REG0", used_out, outs),
                            "in": (p.get("reg"), used_in, ins),
                            "out": (p.get("reg"), used_out, outs)}[kind]
        if reg not in avail or kind in ("out", "handle_open") and reg not in ("REG0", "REG1"):
            errors.append(f"{pw}: {reg!r} is not an {'input' if used is used_in else 'output (REG0/REG1)'} "
                          "register with a meaning")
        elif reg in used:
            errors.append(f"{pw}: {reg} is used twice")
        used.add(reg)
    if hc["handle"] and not any(p.get("kind") in ("handle", "handle_close") for p in params
                                if isinstance(p, dict)):
        errors.append(f"{w}: handle = true but the wrapper takes no handle")


def validate(data: dict, source: str) -> Abi:
    e: List[str] = []
    for k in ("spec_version", "revision"):
        _need(e, "top level", data, k, int)
    names: Dict[str, str] = {}

    def name(n, where):
        if not isinstance(n, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", n):
            e.append(f"{where}: {n!r} is not a C identifier")
        elif n in names:
            e.append(f"{where}: name {n} is also {names[n]}")
        else:
            names[n] = where

    abi = Abi(data, source)
    name("MV_SPEC_ID1_VAL", "spec_version")
    for i, op in enumerate(data.get("opcode", [])):
        w = f"opcode[{i}] {op.get('name', '?')}"
        if not (_need(e, w, op, "name", str) and _need(e, w, op, "value", int)):
            continue
        if op["name"] in abi.opcodes:
            e.append(f"{w}: opcode name used twice")
        if not 0 <= op["value"] <= 0xFFFF:
            e.append(f"{w}: value outside 16 bits")
        if any(o["value"] == op["value"] for o in abi.opcodes.values()):
            e.append(f"{w}: opcode value {op['value']:#x} used twice")
        abi.opcodes[op["name"]] = op
        for k in ("constant", "nosig"):
            if _need(e, w, op, k, str):
                name(op[k], w)
        for a in op.get("aliases", []):
            name(a, w)

    keys = {}
    for i, hc in enumerate(data.get("hypercall", [])):
        w = f"hypercall[{i}] {hc.get('name', '?')}"
        ok = all([_need(e, w, hc, "name", str), _need(e, w, hc, "opcode", str),
                  _need(e, w, hc, "index", int), _need(e, w, hc, "index_constant", str),
                  _need(e, w, hc, "permission", str), _need(e, w, hc, "handle", bool)])
        if not ok:
            continue
        name(hc["name"], w)
        name(hc["index_constant"], w)
        for a in hc.get("aliases", []):
            name(a, w)
        if hc["opcode"] not in abi.opcodes:
            e.append(f"{w}: unknown opcode {hc['opcode']!r}")
        if not 0 <= hc["index"] <= 0xFFFF:
            e.append(f"{w}: index outside 16 bits")
        key = (hc["opcode"], hc["index"])
        if key in keys:
            e.append(f"{w}: opcode {hc['opcode']} index {hc['index']:#x} is also {keys[key]}")
        keys[key] = hc["name"]
        if hc["permission"] not in ("root", "any"):
            e.append(f"{w}: permission must be 'root' or 'any'")
        hc.setdefault("input", [])
        hc.setdefault("output", [])
        _check_parts(e, f"{w} input", hc["input"], 64, True)
        _check_parts(e, f"{w} output", hc["output"], 64, True)
        if hc["handle"] and not any(p.get("reg") == "REG0" and p.get("meaning") == "handle"
                                    for p in hc["input"]):
            e.append(f"{w}: handle = true but REG0 63:0 is not meaning = \"handle\"")
        _check_handler(e, w, hc)
        if "wrapper" in hc:
            _check_wrapper(e, w, hc)

    for i, st in enumerate(data.get("status", [])):
        w = f"status[{i}] {st.get('name', '?')}"
        if _need(e, w, st, "name", str) and _need(e, w, st, "value", int):
            name(st["name"], w)
            if not 0 <= st["value"] < 1 << 64:
                e.append(f"{w}: value outside 64 bits")

    seen_cpuid = {}
    for i, c in enumerate(data.get("cpuid", [])):
        w = f"cpuid[{i}] {c.get('name', '?')}"
        if not (_need(e, w, c, "name", str) and _need(e, w, c, "leaf", int)
                and _need(e, w, c, "register", str)):
            continue
        if c["name"] in seen_cpuid:
            e.append(f"{w}: name used twice")
        seen_cpuid[c["name"]] = w
        if c["register"] not in CPUID_REGS:
            e.append(f"{w}: register must be one of {', '.join(CPUID_REGS)}")
        _check_parts(e, f"{w} parts", c.get("parts", []), 32, False)

    for i, fl in enumerate(data.get("flags", [])):
        w = f"flags[{i}] {fl.get('name', '?')}"
        if not (_need(e, w, fl, "name", str) and _need(e, w, fl, "revz_mask", int)):
            continue
        if fl.get("revz_mask_constant"):
            name(fl["revz_mask_constant"], w)
        used = 0
        for b in fl.get("bits", []):
            name(b.get("name"), w)
            bit = b.get("bit")
            if not isinstance(bit, int) or not 0 <= bit < 64:
                e.append(f"{w}: {b.get('name')}: bit must be 0..63")
                continue
            if used & (1 << bit):
                e.append(f"{w}: bit {bit} used twice")
            if fl["revz_mask"] & (1 << bit):
                e.append(f"{w}: {b['name']}: bit {bit} is inside revz_mask")
            used |= 1 << bit
        fl.setdefault("bits", [])

    for i, en in enumerate(data.get("enum", [])):
        w = f"enum[{i}] {en.get('name', '?')}"
        if not _need(e, w, en, "name", str):
            continue
        en.setdefault("header", "mv_abi.h")
        if en["header"] not in HEADERS:
            e.append(f"{w}: header must be one of {', '.join(HEADERS)}")
        vals = set()
        for v in en.get("values", []):
            name(v.get("name"), w)
            if not isinstance(v.get("value"), int):
                e.append(f"{w}: {v.get('name')}: value must be an integer")
            elif v["value"] in vals:
                e.append(f"{w}: value {v['value']} used twice")
            else:
                vals.add(v["value"])
        sent = [v for v in en.get("values", []) if v.get("sentinel")]
        if len(sent) > 1 or sent and sent[0] is not en["values"][-1]:
            e.append(f"{w}: at most one sentinel, and it must be the last value")

    struct_names = set()
    for i, s in enumerate(data.get("struct", [])):
        w = f"struct[{i}] {s.get('name', '?')}"
        if not (_need(e, w, s, "name", str) and _need(e, w, s, "size", int)):
            continue
        name(s["name"], w)
        struct_names.add(s["name"])
        pos = 0
        for f in s.get("fields", []):
            fw = f"{w}.{f.get('name', '?')}"
            if not (_need(e, fw, f, "offset", int) and _need(e, fw, f, "size", int)
                    and _need(e, fw, f, "type", str)):
                continue
            if f["offset"] != pos:
                e.append(f"{fw}: offset {f['offset']:#x} but the previous field ends at {pos:#x}")
            pos = f["offset"] + f["size"]
        if pos != s["size"]:
            e.append(f"{w}: fields end at {pos:#x}, size is {s['size']:#x}")

    for i, c in enumerate(data.get("constant", [])):
        w = f"constant[{i}] {c.get('name', '?')}"
        if not (_need(e, w, c, "name", str) and _need(e, w, c, "value", int)):
            continue
        name(c["name"], w)
        c.setdefault("header", "mv_abi.h")
        c.setdefault("type", "uint64_t")
        c.setdefault("group", "Constants")
        if c["type"] not in C_TYPES:
            e.append(f"{w}: type must be one of {', '.join(C_TYPES)}")
        if c["header"] not in HEADERS:
            e.append(f"{w}: header must be one of {', '.join(HEADERS)}")

    codes = {}
    for i, x in enumerate(data.get("exit_code", [])):
        w = f"exit_code[{i}] {x.get('name', '?')}"
        if not (_need(e, w, x, "name", str) and _need(e, w, x, "value", int)
                and _need(e, w, x, "source", str) and _need(e, w, x, "meaning", str)):
            continue
        if not re.fullmatch(r"[A-Z][A-Z0-9_]*", x["name"]):
            e.append(f"{w}: name must be upper case (an END result or a backend's word)")
        if x["source"] not in EXIT_SOURCES:
            e.append(f"{w}: source must be one of {', '.join(EXIT_SOURCES)}")
        if not 0 <= x["value"] <= 255:
            e.append(f"{w}: value outside an exit status (0..255)")
        if x["name"] in codes.values() or x["value"] in codes:
            e.append(f"{w}: name or value used twice")
        codes[x["value"]] = x["name"]

    if e:
        raise AbiError(f"{source}: invalid ABI description:\n  " + "\n  ".join(e))
    return abi


def loads(text: str, source: str = "<string>") -> Abi:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as ex:
        raise AbiError(f"{source}: not valid TOML: {ex}") from None
    return validate(data, source)


def load(path) -> Abi:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as ex:
        raise AbiError(f"{path}: {ex.strerror}") from None
    except UnicodeDecodeError as ex:  # TOML is UTF-8: a parse error, not a crash
        raise AbiError(f"{path}: not UTF-8 (byte {ex.start}): not an ABI description") from None
    return loads(text, str(path))
