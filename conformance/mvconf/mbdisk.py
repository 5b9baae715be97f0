"""The Bochs backends' boot disk: mbload (hv/arch/x86/mbload/, the
project's own BIOS boot loader, build/hv/mbload.bin) at LBA 0, then the
manifest and the files of one image set, in the layout of
hv/arch/x86/mbload/mbload.h:

  LBA 0 ..               mbload.bin (boot sector + second stage)
  LBA MANIFEST_LBA       the manifest: magic, the file count, per file
                         (first LBA, size in bytes, offset of its string),
                         then the NUL-terminated strings
  from FIRST_FILE_LBA    the files, each from a 4 KiB boundary

File 0 is the Multiboot kernel (its string: its command line), the others
are its modules in order (each string: the module's).  The image is padded
to whole cylinders of 16 heads x 63 sectors, the geometry Bochs takes for a
flat disk image it is given no geometry for.  Built once per image set in
the disk cache, as the GRUB ISO is (bochs.py)."""
import os
import struct
import tempfile
from pathlib import Path
from typing import Optional, Sequence, Tuple

from . import paths

# mbload.h's MBL_MANIFEST_LBA, MBL_MANIFEST_BYTES, MBL_MAGIC, MBL_MAX_FILES
# (conformance/unit/test_mbdisk.py checks that they agree).
MANIFEST_LBA = 80
MANIFEST_BYTES = 4096
MAGIC = b"MBLOAD1\0"
MAX_FILES = 17
SECTOR = 512
FIRST_FILE_LBA = MANIFEST_LBA + MANIFEST_BYTES // SECTOR
CYLINDER = 16 * 63 * SECTOR


def loader_path() -> Path:
    return paths.build_dir() / "hv" / "mbload.bin"


def manifest(sizes: Sequence[int], strings: Sequence[str]) -> Tuple[bytes, list]:
    """The manifest sector(s) and each file's first LBA."""
    if not 1 <= len(sizes) <= MAX_FILES or len(sizes) != len(strings):
        raise ValueError(f"mbdisk: 1 to {MAX_FILES} files (a kernel and its modules), got {len(sizes)}")
    table_end = 16 + 12 * len(sizes)
    blob, offs = b"", []
    for s in strings:
        offs.append(table_end + len(blob))
        blob += s.encode() + b"\0"
    if table_end + len(blob) > MANIFEST_BYTES:
        raise ValueError(f"mbdisk: the strings do not fit the manifest's {MANIFEST_BYTES} bytes")
    lbas, lba = [], FIRST_FILE_LBA
    for size in sizes:
        lbas.append(lba)
        lba += -(-size // 4096) * (4096 // SECTOR)
    out = MAGIC + struct.pack("<II", len(sizes), 0)
    out += b"".join(struct.pack("<III", lb, size, off) for lb, size, off in zip(lbas, sizes, offs))
    return out + blob, lbas


def write(dest: Path, loader: bytes, files: Sequence[Tuple[Path, str]]) -> None:
    """files: (source, its string), the kernel first."""
    if len(loader) > MANIFEST_LBA * SECTOR:
        raise ValueError(f"mbdisk: the loader ({len(loader)} bytes) runs into the manifest")
    datas = [Path(src).read_bytes() for src, _ in files]
    man, lbas = manifest([len(d) for d in datas], [s for _, s in files])
    end = MANIFEST_LBA * SECTOR + MANIFEST_BYTES
    with open(dest, "wb") as f:
        f.write(loader)
        f.seek(MANIFEST_LBA * SECTOR)
        f.write(man)
        for lba, data in zip(lbas, datas):
            f.seek(lba * SECTOR)
            f.write(data)
            end = max(end, lba * SECTOR + len(data))
        f.truncate(-(-end // CYLINDER) * CYLINDER)


def unavailable() -> Optional[str]:
    if not loader_path().is_file():
        return f"{loader_path()} not built (make build)"
    return None


def build(dest: Path, files: Sequence[Tuple[Path, str]]) -> None:
    """Writes the disk to a temporary name beside dest and renames it, so runs
    in parallel never see half a disk."""
    fd, name = tempfile.mkstemp(prefix=f".{dest.name}.", dir=dest.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp, loader_path().read_bytes(), files)
        os.replace(tmp, dest)
    finally:
        if tmp.exists():
            tmp.unlink()
