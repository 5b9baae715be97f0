#!/usr/bin/env python3
"""relocs.py IMAGE: writes the hypervisor image's own relocation table into it.

The image is linked at its multiboot load address with --emit-relocs
(boot/link.ld); early boot (boot/relocate.c) copies it to the top of RAM and
adds the distance to every absolute address in the copy.  This tool lists
those addresses: every R_X86_64_64, R_X86_64_32 and R_X86_64_32S relocation
in a loaded section whose target (S + A) lies inside the image, and writes
them into the table the image reserves (symbol boot_reloc_table:
a uint32 count, then one uint32 per entry: the offset from __image_start, bit
31 set for a 64-bit field, bit 30 for a sign-extended 32-bit one).
PC-relative relocations need nothing (both ends move), unless their target
lies outside the image: that, a table too small, or an alignment above a
page is an error.  Run after every link (hv/arch/x86/CMakeLists.txt).
"""
import struct
import sys

R_64, R_PC32, R_32, R_32S, R_PLT32 = 1, 2, 10, 11, 4
SHT_SYMTAB, SHT_RELA, SHT_NOBITS = 2, 4, 8
SHF_ALLOC = 2
BIT64, BIT32S = 1 << 31, 1 << 30


def fail(msg):
    sys.exit(f"relocs.py: {msg}")


def sections(data):
    (shoff,) = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    out = []
    for i in range(shnum):
        f = struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize)
        out.append(dict(name=f[0], type=f[1], flags=f[2], addr=f[3], offset=f[4],
                        size=f[5], link=f[6], info=f[7], align=f[8], entsize=f[9]))
    strtab = out[shstrndx]
    for s in out:
        end = data.index(b"\0", strtab["offset"] + s["name"])
        s["name"] = data[strtab["offset"] + s["name"]:end].decode()
    return out


def symbols(data, secs):
    symtab = next((s for s in secs if s["type"] == SHT_SYMTAB), None)
    if symtab is None:
        fail("no symbol table")
    strs = secs[symtab["link"]]
    out = []
    for off in range(symtab["offset"], symtab["offset"] + symtab["size"], 24):
        name, _info, _other, _shndx, value, _size = struct.unpack_from("<IBBHQQ", data, off)
        end = data.index(b"\0", strs["offset"] + name)
        out.append((data[strs["offset"] + name:end].decode(), value))
    return out


def main():
    if len(sys.argv) != 2:
        fail("usage: relocs.py IMAGE.elf")
    path = sys.argv[1]
    data = bytearray(open(path, "rb").read())
    if data[:4] != b"\x7fELF" or data[4] != 2:
        fail(f"{path} is not an ELF64 file")
    secs = sections(data)
    syms = symbols(data, secs)
    named = {n: v for n, v in syms if n}
    for need in ("__image_start", "__image_end", "boot_reloc_table", "boot_reloc_table_end"):
        if need not in named:
            fail(f"no symbol {need} (boot/link.ld)")
    start, end = named["__image_start"], named["__image_end"]
    entries = []
    for rs in secs:
        if rs["type"] != SHT_RELA:
            continue
        target = secs[rs["info"]]
        if not target["flags"] & SHF_ALLOC or target["type"] == SHT_NOBITS:
            continue
        if target["align"] > 4096:
            fail(f"section {target['name']} is aligned to {target['align']} (> a page)")
        for off in range(rs["offset"], rs["offset"] + rs["size"], 24):
            r_off, r_info, addend = struct.unpack_from("<QQq", data, off)
            rtype, rsym = r_info & 0xFFFFFFFF, r_info >> 32
            sym = syms[rsym][1]
            dest = sym + addend
            inside = start <= dest <= end
            if rtype in (R_PC32, R_PLT32):  # S + A - P: the symbol must move with P
                if not start <= sym <= end:
                    fail(f"PC-relative relocation at 0x{r_off:x} to 0x{dest:x} outside the image")
                continue
            if rtype not in (R_64, R_32, R_32S):
                fail(f"relocation type {rtype} at 0x{r_off:x} is not handled")
            if not inside:
                continue
            flag = BIT64 if rtype == R_64 else BIT32S if rtype == R_32S else 0
            entries.append((r_off - start) | flag)
    tab, tab_end = named["boot_reloc_table"], named["boot_reloc_table_end"]
    cap = (tab_end - tab) // 4 - 1
    if len(entries) > cap:
        fail(f"{len(entries)} relocations, the table holds {cap} (HV_RELOC_CAP, CMakeLists.txt)")
    host = next((s for s in secs if s["type"] != SHT_NOBITS and s["flags"] & SHF_ALLOC
                 and s["addr"] <= tab and tab_end <= s["addr"] + s["size"]), None)
    if host is None:
        fail("boot_reloc_table is not in a loaded section")
    pos = host["offset"] + tab - host["addr"]
    struct.pack_into(f"<I{len(entries)}I", data, pos, len(entries), *sorted(entries))
    open(path, "wb").write(data)


if __name__ == "__main__":
    main()
