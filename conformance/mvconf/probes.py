"""The probe list: conformance/probes.toml."""
import fnmatch
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Tuple

from . import paths

PROBES_TOML = Path(__file__).resolve().parents[1] / "probes.toml"
_KEYS = {"elf", "timeout", "modules", "cmdline", "backends"}


@dataclass(frozen=True)
class Probe:
    name: str
    elf: Path
    timeout: float = 10.0
    modules: Tuple[Path, ...] = ()
    cmdline: str = ""
    backends: Tuple[str, ...] = ("*",)

    def applies_to(self, backend: str) -> bool:
        return any(fnmatch.fnmatchcase(backend, pat) for pat in self.backends)


def _path(value: str) -> Path:
    p = Path(value)
    return p if p.is_absolute() else paths.build_dir() / p


def load(toml_path: Path = None) -> List[Probe]:
    """Reads probes.toml ($MV_PROBES_TOML overrides it, for harness self-tests)."""
    toml_path = toml_path or Path(os.environ.get("MV_PROBES_TOML", PROBES_TOML))
    with open(toml_path, "rb") as f:
        data = tomllib.load(f)
    probes = []
    for name, t in data.items():
        if not isinstance(t, dict):
            raise ValueError(f"{toml_path}: {name} is not a table")
        unknown = set(t) - _KEYS
        if unknown:
            raise ValueError(f"{toml_path}: [{name}] has unknown keys {sorted(unknown)}")
        probes.append(Probe(
            name=name,
            elf=_path(t.get("elf", f"guest-probes/{name}.elf")),
            timeout=float(t.get("timeout", 10)),
            modules=tuple(_path(m) for m in t.get("modules", [])),
            cmdline=t.get("cmdline", ""),
            backends=tuple(t.get("backends", ["*"])),
        ))
    return probes
