"""Finds the kvm-unit-tests source (KUT_DIR: a checkout or a tarball; default the
tarball in ../shared/external/) and builds it with the system gcc, cached in the
build directory: a tarball is unpacked and built once per content hash, a
checkout is configured once out of tree and rebuilt by its own make (which only
rebuilds what changed)."""
import hashlib
import os
import shutil
import subprocess
import tarfile
from pathlib import Path
from typing import Optional, Tuple

REPO = Path(__file__).resolve().parents[2]
DEFAULT_TARBALL = REPO.parent / "shared" / "external" / "kvm-unit-tests-1da1819e.tar.gz"


def locate() -> Tuple[Optional[Path], str]:
    """(source path, description) or (None, the reason to skip)."""
    env = os.environ.get("KUT_DIR", "")
    if env:
        p = Path(env).resolve()
        if p.is_dir() and (p / "x86" / "unittests.cfg").is_file():
            return p, f"checkout {p}"
        if p.is_file() and p.name.endswith((".tar.gz", ".tgz", ".tar")):
            return p, f"tarball {p}"
        return None, f"KUT_DIR={env} is neither a kvm-unit-tests checkout nor a tarball"
    if DEFAULT_TARBALL.is_file():
        return DEFAULT_TARBALL, f"tarball {DEFAULT_TARBALL}"
    return None, (f"no kvm-unit-tests source: set KUT_DIR to a checkout or tarball "
                  f"(default {DEFAULT_TARBALL} does not exist)")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _unpack(tarball: Path, dest: Path) -> Path:
    """Unpacks the tarball into dest (one top-level folder expected); returns the tree."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    with tarfile.open(tarball) as t:
        t.extractall(dest, filter="data") if hasattr(tarfile, "data_filter") else t.extractall(dest)
    tops = [d for d in dest.iterdir() if d.is_dir()]
    tree = tops[0] if len(tops) == 1 and not (dest / "configure").exists() else dest
    if not (tree / "configure").is_file():
        raise RuntimeError(f"{tarball}: no kvm-unit-tests tree (configure) inside")
    return tree


def _make(tree: Path, configure: Path, jobs: int, log: Path) -> None:
    with log.open("a") as out:
        if not (tree / "config.mak").is_file():
            subprocess.run([str(configure), "--arch=x86_64"], cwd=tree, stdout=out,
                           stderr=subprocess.STDOUT, check=True)
        subprocess.run(["make", f"-j{jobs}"], cwd=tree, stdout=out, stderr=subprocess.STDOUT,
                       check=True)


def build(src: Path, work: Path, jobs: int) -> Path:
    """Builds kvm-unit-tests from src under work/; returns the tree holding x86/*.flat."""
    work.mkdir(parents=True, exist_ok=True)
    log = work / "build.log"
    log.write_text("")
    if src.is_dir():
        tree = work / "checkout-build"
        tree.mkdir(exist_ok=True)
        _make(tree, src / "configure", jobs, log)
        return tree
    stamp = work / "tarball.sha256"
    digest = _sha256(src)
    tree_file = work / "tarball.tree"
    if stamp.is_file() and stamp.read_text().strip() == digest and tree_file.is_file():
        tree = Path(tree_file.read_text().strip())
        if (tree / "x86" / "dummy.flat").is_file():
            return tree
    stamp.unlink(missing_ok=True)
    tree = _unpack(src, work / "src")
    _make(tree, tree / "configure", jobs, log)
    tree_file.write_text(f"{tree}\n")
    stamp.write_text(f"{digest}\n")
    return tree
