"""The Bochs ISO cache (mvconf/bochs.py build_iso): one grub-mkrescue per
image set, a new ISO when any image, the command line or the module list
changes, and the pruning rule; grub-mkrescue is a stand-in that records its
calls (no GRUB, no Bochs, no timing)."""
import os
from pathlib import Path

import pytest

from mvconf import bochs

FAKE_MKRESCUE = """#!/bin/sh
# grub-mkrescue -o ISO DIR ...: the ISO is grub.cfg followed by the file names
echo call >> "$(dirname "$0")/calls"
out=$2 dir=$3
{ cat "$dir/boot/grub/grub.cfg"; ls "$dir/boot"; } > "$out"
"""


@pytest.fixture
def tools(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "grub-mkrescue").write_text(FAKE_MKRESCUE)
    (bin_dir / "grub-mkrescue").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    monkeypatch.setattr(bochs, "_grub_version", lambda: "grub-mkrescue (GRUB) test")
    images = tmp_path / "img"
    images.mkdir()
    for name in ("hv.elf", "cpuid.elf", "mdl.elf", "agent.elf"):
        (images / name).write_text(f"image {name}\n")
    return images, tmp_path / "iso-cache", bin_dir / "calls"


def calls(path: Path) -> int:
    return len(path.read_text().split()) if path.exists() else 0


def test_one_build_per_image_set(tools):
    img, where, log = tools
    iso, built, err = bochs.build_iso(img / "hv.elf", img / "cpuid.elf", "cpuid", "", (), where)
    assert (built, err) == (True, "") and iso.is_file() and calls(log) == 1
    assert "module /boot/cpuid.elf cpuid" in iso.read_text()
    again, built, _ = bochs.build_iso(img / "hv.elf", img / "cpuid.elf", "cpuid", "", (), where)
    assert (again, built) == (iso, False) and calls(log) == 1   # the other backend, a rerun
    assert [p.name for p in where.iterdir()] == [iso.name]       # no build directory left


def test_any_change_of_the_set_is_a_new_iso(tools):
    img, where, log = tools
    base, _, _ = bochs.build_iso(img / "hv.elf", img / "mdl.elf", "mdl", "", [img / "agent.elf"], where)
    variants = [
        bochs.build_iso(img / "hv.elf", img / "mdl.elf", "mdl", "exits=5", [img / "agent.elf"], where),
        bochs.build_iso(img / "hv.elf", img / "mdl.elf", "mdl", "", [], where),
        bochs.build_iso(img / "hv.elf", img / "cpuid.elf", "mdl", "", [img / "agent.elf"], where),
    ]
    (img / "hv.elf").write_text("a rebuilt hypervisor\n")
    variants.append(bochs.build_iso(img / "hv.elf", img / "mdl.elf", "mdl", "", [img / "agent.elf"], where))
    isos = {base} | {iso for iso, built, _ in variants}
    assert len(isos) == 5 and all(built for _, built, _ in variants) and calls(log) == 5
    assert "module /boot/m1-agent.elf agent" in base.read_text()


def test_a_failed_build_leaves_no_iso(tools, tmp_path):
    img, where, log = tools
    (tmp_path / "bin" / "grub-mkrescue").write_text("#!/bin/sh\necho no xorriso; exit 1\n")
    iso, built, err = bochs.build_iso(img / "hv.elf", img / "cpuid.elf", "cpuid", "", (), where)
    assert built and "grub-mkrescue failed" in err and "no xorriso" in err
    assert not iso.exists() and list(where.iterdir()) == []


def test_pruning_keeps_the_newest_and_the_recently_used(tmp_path):
    now = 1_000_000.0
    for i in range(6):   # iso0 oldest ... iso5 newest
        p = tmp_path / f"iso{i}.iso"
        p.write_text("x")
        os.utime(p, (now - 7200 + i * 1000, now - 7200 + i * 1000))
    gone = bochs.prune_iso_cache(tmp_path, keep=2, min_age_s=3600, now=now)
    # iso5 and iso4 are the newest two; iso3 (age 4200 s) and older go; the
    # age rule spares an ISO used within the hour even beyond `keep`
    assert sorted(p.name for p in gone) == ["iso0.iso", "iso1.iso", "iso2.iso", "iso3.iso"]
    os.utime(tmp_path / "iso4.iso", (now - 7200, now - 7200))
    (tmp_path / "new.iso").write_text("x")
    os.utime(tmp_path / "new.iso", (now - 10, now - 10))
    (tmp_path / "mid.iso").write_text("x")
    os.utime(tmp_path / "mid.iso", (now - 20, now - 20))
    gone = bochs.prune_iso_cache(tmp_path, keep=1, min_age_s=3600, now=now)
    assert [p.name for p in gone] == ["iso4.iso"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["iso5.iso", "mid.iso", "new.iso"]
