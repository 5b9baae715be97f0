"""The ABI item catalogue, as printed by build/conformance/abi-items."""
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List

from . import paths

GROUPS = ("hypercall", "status", "cpuid", "exit_reason")


@dataclass(frozen=True)
class Item:
    name: str
    group: str
    values: Dict[str, str]  # opcode/index/rax, value, leaf/register


class Catalog:
    def __init__(self, items: List[Item]):
        self.items = items
        self.by_name = {i.name: i for i in items}

    def __contains__(self, name: str) -> bool:
        return name in self.by_name

    @classmethod
    def from_json(cls, data: dict) -> "Catalog":
        items = []
        for group in GROUPS:
            for entry in data.get(group, []):
                values = {k: v for k, v in entry.items() if k != "name"}
                items.append(Item(entry["name"], group, values))
        return cls(items)


def abi_items_exe() -> Path:
    return paths.out_dir() / "abi-items"


def load(exe: Path = None) -> Catalog:
    """Runs abi-items; raises FileNotFoundError when it is not built."""
    exe = exe or abi_items_exe()
    if not exe.is_file():
        raise FileNotFoundError(
            f"{exe} is not built (cmake --build {paths.build_dir()} --target abi-items)")
    out = subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout
    return Catalog.from_json(json.loads(out))
