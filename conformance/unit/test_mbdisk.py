"""mbload's disk (mvconf/mbdisk.py) and the strings it hands over
(bochs._mb_strings): the layout mbload.h describes, read back byte by byte;
the constants agree with mbload.h; the strings are GRUB's for the same image
set; one disk per image set in the cache (no Bochs, no timing)."""
import re
import struct
from pathlib import Path

import pytest

from mvconf import bochs, mbdisk, paths

HEADER = paths.REPO / "hv" / "arch" / "x86" / "mbload" / "mbload.h"


def test_constants_agree_with_mbload_h():
    text = HEADER.read_text()
    define = dict(re.findall(r"#define (MBL_\w+) (\S+)", text))
    assert int(define["MBL_MANIFEST_LBA"].rstrip("u")) == mbdisk.MANIFEST_LBA
    assert int(define["MBL_MANIFEST_BYTES"].rstrip("u")) == mbdisk.MANIFEST_BYTES
    assert int(define["MBL_MAX_FILES"].rstrip("u")) == mbdisk.MAX_FILES
    assert define["MBL_MAGIC"].strip('"').encode() + b"\0" == mbdisk.MAGIC


def test_layout_read_back(tmp_path):
    files = []
    for i, size in enumerate((5000, 1, 4096, 12345)):
        p = tmp_path / f"f{i}"
        p.write_bytes(bytes((i * 7 + j) & 0xFF for j in range(size)))
        files.append((p, f"string {i}" if i else "/boot/kernel.elf"))
    loader = b"\xEB\xFE" + b"\0" * 508 + b"\x55\xAA"
    disk = tmp_path / "d.img"
    mbdisk.write(disk, loader, files)
    img = disk.read_bytes()
    assert img[:512] == loader and len(img) % (16 * 63 * 512) == 0
    man = img[mbdisk.MANIFEST_LBA * 512:][:mbdisk.MANIFEST_BYTES]
    assert man[:8] == mbdisk.MAGIC
    count, = struct.unpack_from("<I", man, 8)
    assert count == 4
    last_end = mbdisk.FIRST_FILE_LBA * 512
    for i, (src, string) in enumerate(files):
        lba, size, off = struct.unpack_from("<III", man, 16 + 12 * i)
        assert lba * 512 % 4096 == 0 and lba * 512 >= last_end   # in order, no overlap
        assert img[lba * 512:lba * 512 + size] == src.read_bytes()
        assert man[off:man.index(b"\0", off)].decode() == string
        last_end = lba * 512 + size


def test_limits(tmp_path):
    f = tmp_path / "f"
    f.write_bytes(b"x")
    with pytest.raises(ValueError):
        mbdisk.write(tmp_path / "d", b"", [(f, "k")] * (mbdisk.MAX_FILES + 1))
    with pytest.raises(ValueError):
        mbdisk.write(tmp_path / "d", b"", [(f, "k" * mbdisk.MANIFEST_BYTES)])
    with pytest.raises(ValueError):
        mbdisk.write(tmp_path / "d", b"\0" * (mbdisk.MANIFEST_LBA * 512 + 1), [(f, "k")])


def test_strings_are_grubs():
    """The kernel gets its path and arguments, a module the words after its
    path, as GRUB's multiboot and module lines in _grub_cfg hand them over."""
    mods = [Path("/x/guest-agent.elf"), Path("/x/extra.bin")]
    for hv in (Path("/x/microv-hv.elf"), None):
        files, cfg = bochs._iso_layout(hv, Path("/x/mdl.elf"), "mdl", "exits=5", mods)
        grub = [ln.split(None, 1)[1] for ln in cfg.splitlines()
                if ln.strip().startswith(("multiboot ", "module "))]
        want = [grub[0]] + [g.split(None, 1)[1] for g in grub[1:]]
        assert bochs._mb_strings(hv, "mdl", "exits=5", mods) == want
        assert len(want) == len(files)


def test_one_disk_per_image_set(tmp_path, monkeypatch):
    loader = tmp_path / "mbload.bin"
    loader.write_bytes(b"\0" * 510 + b"\x55\xAA")
    monkeypatch.setattr(mbdisk, "loader_path", lambda: loader)
    for name in ("hv.elf", "cpuid.elf"):
        (tmp_path / name).write_text(f"image {name}\n")
    where = tmp_path / "cache"
    args = (tmp_path / "hv.elf", tmp_path / "cpuid.elf", "cpuid", "", ())
    disk, built, err = bochs.build_disk(*args, where)
    assert (built, err) == (True, "") and disk.suffix == ".img"
    assert bochs.build_disk(*args, where)[:2] == (disk, False)
    assert bochs.build_disk(tmp_path / "hv.elf", tmp_path / "cpuid.elf", "cpuid", "x=1", (), where)[0] != disk
    loader.write_bytes(b"\1" * 510 + b"\x55\xAA")   # a rebuilt loader: a new disk
    again, built, _ = bochs.build_disk(*args, where)
    assert again != disk and built
    assert sorted(p.suffix for p in where.iterdir()) == [".img"] * 3   # no temporary left
