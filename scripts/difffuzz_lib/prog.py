"""The difffuzz program format (docs/difffuzz.md "Program format"): programs
as JSON-able dicts, and their binary encoding, which the probe
(guest-probes/probes/difffuzz/df.h) decodes.

An argument is a dict: {"b": base, "x": xor, "w": writes, ...payload}
  lit       {"v": value}
  out       {"op": earlier op index, "reg": 0-5}
  handle    {}
  page      {"r": region 0 ctrl / 1 donor / 2 code, "p": page, "o": offset}
  notowned  {"o": offset}
An operation is a dict:
  call  {"rax": RAX, "args": [6 args]}
  mdl   {"page": ctrl page, "num": raw num_entries, "revz": u64, "next": arg,
         "ents": [[arg, size, flags], ...]}
  code  {"page": code page, "bytes": hex}
  data  {"page": ctrl page, "off": offset, "bytes": hex}
A program: {"name": str, "expected": int (0: none), "ops": [...]}.
"""
import struct

BATCH_MAGIC = b"MVDFBAT1"
PROG_MAGIC = b"MVDFPRG1"
NAME_LEN = 32
MAX_OPS = 256
REGION_PAGES = 16
REGIONS = ("ctrl", "donor", "code")
OPS = {"call": 1, "mdl": 2, "code": 3, "data": 4}
BASES = {"lit": 0, "out": 1, "handle": 2, "page": 3, "notowned": 4}
MAX_MDL_ENTRIES = 169


def lit(v, x=0):
    return {"b": "lit", "v": v & (2**64 - 1), "x": x}


def page(region, p, off=0, writes=False):
    return {"b": "page", "r": region, "p": p, "o": off, "x": 0, "w": writes}


def enc_arg(a) -> bytes:
    b = BASES[a["b"]]
    head = struct.pack("<BBQ", b, 1 if a.get("w") else 0, a.get("x", 0) & (2**64 - 1))
    if a["b"] == "lit":
        return head + struct.pack("<Q", a["v"] & (2**64 - 1))
    if a["b"] == "out":
        return head + struct.pack("<BB", a["op"], a["reg"])
    if a["b"] == "handle":
        return head
    if a["b"] == "page":
        return head + struct.pack("<BBH", a["r"], a["p"], a["o"])
    return head + struct.pack("<H", a["o"])


def enc_op(op) -> bytes:
    k = op["op"]
    out = bytes([OPS[k]])
    if k == "call":
        out += struct.pack("<Q", op["rax"])
        return out + b"".join(enc_arg(a) for a in op["args"])
    if k == "mdl":
        out += struct.pack("<BBQQ", op["page"], len(op["ents"]), op["num"] & (2**64 - 1),
                           op["revz"] & (2**64 - 1))
        out += enc_arg(op["next"])
        for a, size, flags in op["ents"]:
            out += enc_arg(a) + struct.pack("<QQ", size & (2**64 - 1), flags & (2**64 - 1))
        return out
    data = bytes.fromhex(op["bytes"])
    if k == "code":
        return out + struct.pack("<BH", op["page"], len(data)) + data
    return out + struct.pack("<BHH", op["page"], op["off"], len(data)) + data


def encode(prog) -> bytes:
    body = b"".join(enc_op(o) for o in prog["ops"])
    name = prog.get("name", "").encode()[:NAME_LEN].ljust(NAME_LEN, b"\0")
    head = PROG_MAGIC + struct.pack("<IIQ", 56 + len(body), len(prog["ops"]),
                                    prog.get("expected", 0) or 0) + name
    return head + body


def batch(progs) -> bytes:
    return BATCH_MAGIC + struct.pack("<II", len(progs), 0) + b"".join(encode(p) for p in progs)


def remove_ops(prog, drop):
    """prog without the ops whose indices are in drop; references to a
    dropped op become the literal 0xFFFF (an invalid ID), later ones move."""
    keep = [i for i in range(len(prog["ops"])) if i not in drop]
    new_index = {old: new for new, old in enumerate(keep)}

    def fix(a):
        if a["b"] == "out":
            if a["op"] in new_index:
                return dict(a, op=new_index[a["op"]])
            return lit(0xFFFF, a.get("x", 0))
        return a

    ops = []
    for i in keep:
        op = dict(prog["ops"][i])
        if op["op"] == "call":
            op["args"] = [fix(a) for a in op["args"]]
        elif op["op"] == "mdl":
            op["next"] = fix(op["next"])
            op["ents"] = [[fix(a), s, f] for a, s, f in op["ents"]]
        ops.append(op)
    return dict(prog, ops=ops)
