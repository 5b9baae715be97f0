#!/usr/bin/python3
"""Builds the mbimg probe's image variants (probe.toml [[variant]]) from its
ELF: each differs from the a.out-kludge image as linked in one place, and a
refused one comes with <name>.expect, the exact line the hypervisor's loader
(hv/core/mb_loader.c) must print for it, computed here from the image.

usage: mkimages.py PROBE.toml MBIMG.elf OUTDIR
Deterministic: the same inputs give the same bytes."""
import struct
import sys
import tomllib
from pathlib import Path

MB_MAGIC, MB_AOUT, MB_SEARCH_LEN = 0x1BADB002, 1 << 16, 8192
FIELDS = ("magic", "flags", "checksum", "header_addr", "load_addr", "load_end_addr",
          "bss_end_addr", "entry_addr")


class Image:
    def __init__(self, data: bytes):
        self.b = bytearray(data)
        self.hoff = next(o for o in range(0, MB_SEARCH_LEN - 31, 4)
                         if struct.unpack_from("<I", self.b, o)[0] == MB_MAGIC)
        self.h = dict(zip(FIELDS, struct.unpack_from("<8I", self.b, self.hoff)))

    def put(self, fix_checksum=True, **fields):
        self.h.update(fields)
        if fix_checksum:
            self.h["checksum"] = (-(self.h["magic"] + self.h["flags"])) & 0xFFFFFFFF
        struct.pack_into("<8I", self.b, self.hoff, *(self.h[f] & 0xFFFFFFFF for f in FIELDS))

    def elf(self):
        """Clears the a.out kludge flag: the loader reads the ELF program headers."""
        self.put(flags=self.h["flags"] & ~MB_AOUT)

    # ELF64 fields (the probes are linked as ELF64 with one PT_LOAD)
    def e64(self, fmt, off, value=None):
        if value is None:
            return struct.unpack_from(fmt, self.b, off)[0]
        struct.pack_into(fmt, self.b, off, value)

    def phdr0(self):
        base = self.e64("<Q", 32)
        return {k: self.e64("<Q", base + o) for k, o in
                (("offset", 8), ("paddr", 24), ("filesz", 32), ("memsz", 40))}, base

    def to_elf32(self):
        """The same image as an ELF32 (i386) file, headers rewritten in place."""
        entry, phnum = self.e64("<Q", 24), self.e64("<H", 56)
        phdrs = []
        base = self.e64("<Q", 32)
        for i in range(phnum):
            p = base + 56 * i
            t, fl, off, va, pa, fs, ms, al = struct.unpack_from("<IIQQQQQQ", self.b, p)
            phdrs.append(struct.pack("<8I", t, off, va, pa, fs, ms, fl, al))
        hdr = bytes(self.b[:16])
        hdr = hdr[:4] + b"\x01" + hdr[5:]
        hdr += struct.pack("<HHIIIIIHHHHHH", 2, 3, 1, entry, 52, 0, 0, 52, 32, phnum, 0, 0, 0)
        end = 52 + 32 * phnum
        assert end <= base + 56 * phnum
        self.b[:end] = hdr + b"".join(phdrs)
        self.b[end:base + 56 * phnum] = bytes(base + 56 * phnum - end)


def move_aout(img, new_load):
    d = new_load - img.h["load_addr"]
    img.put(**{f: img.h[f] + d for f in ("header_addr", "load_addr", "load_end_addr",
                                          "bss_end_addr", "entry_addr")})
    return f"segment {hex(new_load)}-{hex(new_load + img.h['bss_end_addr'] - img.h['load_addr'])} " \
           "is not free RAM of the root VM"


def variant(name, img):
    """Applies variant `name` to img; returns the loader's expected message
    (without "[hv] boot: "), or None for an image that boots."""
    h = img.h
    if name == "elf64":
        img.elf()
        return None
    if name == "elf32":
        img.elf()
        img.to_elf32()
        return None
    if name == "no-header":
        img.put(fix_checksum=False, magic=MB_MAGIC ^ 1)
        return f"module 0 has no multiboot header in its first {MB_SEARCH_LEN} bytes"
    if name == "video-flag":
        img.put(flags=h["flags"] | 4)
        return f"multiboot header requests unsupported features (flags {hex(h['flags'])})"
    if name in ("load-above-header", "load-before-file"):
        la = h["header_addr"] + 4 if name == "load-above-header" else \
            h["header_addr"] - img.hoff - 4
        img.put(load_addr=la)
        return f"multiboot header_addr {hex(h['header_addr'])} / load_addr {hex(la)} inconsistent"
    if name == "load-end-below":
        img.put(load_end_addr=h["load_addr"] - 1)
        return f"multiboot load_end_addr {hex(h['load_end_addr'])} below load_addr {hex(h['load_addr'])}"
    if name == "bss-below":
        img.put(bss_end_addr=h["load_end_addr"] - 1)
        return f"multiboot bss_end_addr {hex(h['bss_end_addr'])} below the loaded image"
    if name in ("entry-at-end", "entry-below"):
        e = h["bss_end_addr"] if name == "entry-at-end" else h["load_addr"] - 1
        img.put(entry_addr=e)
        return f"entry {hex(e)} outside the loaded image {hex(h['load_addr'])}-{hex(h['bss_end_addr'])}"
    if name == "header-at-search-end":
        # zeros before the file put the header in the last 32 bytes the loader
        # searches; the a.out fields load the same bytes from the new offset
        img.b[0:0] = bytes(MB_SEARCH_LEN - 32 - img.hoff)
        img.hoff = MB_SEARCH_LEN - 32
        return None
    if name == "header-only-video":
        # a module of exactly one header (32 bytes) is long enough to be
        # searched: refused for its video flag, not for its size
        img.put(flags=h["flags"] | 4)
        img.b = img.b[img.hoff:img.hoff + 32]
        return f"multiboot header requests unsupported features (flags {hex(h['flags'])})"
    if name == "header-short":
        # 31 bytes: shorter than a header (the module's address differs per
        # backend: <spa> in the expected line, conformance/mvconf/protocol.py)
        img.b = img.b[img.hoff:img.hoff + 31]
        return "module 0 (0x1f bytes at <spa>) unreadable or too small"
    if name in ("elf-64-bytes", "elf-63-bytes"):
        # an ELF64 file header alone with the multiboot header (no a.out
        # fields) inside it at offset 16: e_phoff (load_addr's bytes) 64 points
        # past the file, e_phentsize 56, e_phnum 1.  64 bytes are long enough
        # to be read as an ELF; 63 are not
        b = bytearray(img.b[:16])
        b[4], b[5] = 2, 1
        b += struct.pack("<8I", MB_MAGIC, 0, (-MB_MAGIC) & 0xFFFFFFFF, 0, 64, 0, 0, 0)
        b += struct.pack("<IHHHHHH", 0, 64, 56, 1, 0, 0, 0)
        img.b = b[:64 if name == "elf-64-bytes" else 63]
        return ("ELF program header 0 outside the image" if name == "elf-64-bytes" else
                "module 0 has no multiboot address fields and is not a little-endian ELF image")
    if name == "load-empty":
        # load_end_addr = load_addr and no bss: nothing to load, an empty segment
        img.put(load_end_addr=h["load_addr"], bss_end_addr=0)
        return f"segment {hex(h['load_addr'])}-{hex(h['load_addr'])} is not free RAM of the root VM"
    if name == "bss-over-module":
        # the bss up to 96 MiB: over module 0 itself on every backend (mvsim and
        # Bochs put it at 64 MiB, QEMU at 0x42c1000; Bochs' page pool is there too)
        img.put(bss_end_addr=0x6000000)
        return f"segment {hex(h['load_addr'])}-0x6000000 is not free RAM of the root VM"
    if name == "past-4g":
        # load_end_addr and bss_end_addr 0 (the file's end, no bss): the only
        # way 32-bit fields reach past 4 GiB
        la = 0x100000000 - 0x1000
        file_off = img.hoff - (h["header_addr"] - h["load_addr"])
        img.put(header_addr=la + (h["header_addr"] - h["load_addr"]), load_addr=la,
                load_end_addr=0, bss_end_addr=0, entry_addr=la)
        return f"segment {hex(la)}-{hex(la + len(img.b) - file_off)} is not free RAM of the root VM"
    if name == "not-ram":
        return move_aout(img, 0xF0000000)
    if name in ("not-elf", "elf-msb"):
        img.elf()
        if name == "not-elf":
            img.b[1] = ord("X")
        else:
            img.b[5] = 2  # EI_DATA: big-endian
        return "module 0 has no multiboot address fields and is not a little-endian ELF image"
    img.elf()
    p, base = img.phdr0()
    if name == "elf-phentsize":
        img.e64("<H", 54, 55)
        return f"ELF program headers malformed (size 55, count {img.e64('<H', 56)})"
    if name == "elf-phnum0":
        img.e64("<H", 56, 0)
        return "ELF program headers malformed (size 56, count 0)"
    if name in ("elf-phoff-out", "elf-phoff-past"):
        img.e64("<Q", 32, len(img.b) - 56 + 1 if name == "elf-phoff-out" else len(img.b) + 1)
        return "ELF program header 0 outside the image"
    if name == "elf-phdr-at-end":
        # the program header moved to the file's last 56 bytes: still inside
        img.e64("<Q", 32, len(img.b))
        img.b += img.b[base:base + 56]
        return None
    if name in ("elf-memsz-below", "elf-offset-out"):
        fo, fs = (p["offset"], p["filesz"]) if name == "elf-memsz-below" else (len(img.b) + 1, 0)
        img.e64("<Q", base + 8, fo)
        img.e64("<Q", base + 32, fs)
        if name == "elf-memsz-below":
            img.e64("<Q", base + 40, fs - 1)
        return (f"segment at {hex(p['paddr'])}: file range {hex(fo)}+{hex(fs)} "
                f"outside the image ({hex(len(img.b))} bytes)")
    if name == "elf-filesz":
        fs = len(img.b) - p["offset"] + 1
        img.e64("<Q", base + 32, fs)
        img.e64("<Q", base + 40, max(fs, p["memsz"]))
        return (f"segment at {hex(p['paddr'])}: file range {hex(p['offset'])}+{hex(fs)} "
                f"outside the image ({hex(len(img.b))} bytes)")
    if name in ("elf-entry-out", "elf-entry-below"):
        e = p["paddr"] + p["memsz"] if name == "elf-entry-out" else p["paddr"] - 1
        img.e64("<Q", 24, e)
        return f"ELF entry {hex(e)} outside its loadable segments"
    raise SystemExit(f"mkimages.py: unknown variant {name!r}")


def main(toml_path, elf_path, outdir):
    with open(toml_path, "rb") as f:
        variants = tomllib.load(f).get("variant", [])
    data = Path(elf_path).read_bytes()
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    for v in variants:
        img = Image(data)
        msg = variant(v["name"], img)
        if (msg is not None) != bool(v.get("refused", False)):
            raise SystemExit(f"mkimages.py: variant {v['name']}: refused in probe.toml "
                             "disagrees with what the change does")
        (out / f"{v['name']}.elf").write_bytes(bytes(img.b))
        expect = out / f"{v['name']}.expect"
        if msg is None:
            expect.unlink(missing_ok=True)
        else:
            expect.write_text(f"[hv] boot: {msg}\n")
    (out / "stamp").write_text("".join(f"{v['name']}\n" for v in variants))


if __name__ == "__main__":
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    main(*sys.argv[1:])
