"""The ABI item catalogue: build/conformance/abi-items.json, written by
scripts/abi-gen from abi/mv-abi.toml (docs/abi.md).  An item added to the
description is a matrix row, not-covered until a probe checks it."""
import json
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
        # "matrix_groups": {section: [item names]} moves items of an extension
        # (XVIO) into their own section of the matrix.
        section = {n: g for g, names in data.get("matrix_groups", {}).items() for n in names}
        for group in GROUPS:
            for entry in data.get(group, []):
                values = {k: v for k, v in entry.items() if k != "name"}
                items.append(Item(entry["name"], section.get(entry["name"], group), values))
        return cls(items)


def items_json() -> Path:
    """The item list scripts/abi-gen writes into the build (or installed) tree."""
    return paths.build_dir() / "conformance" / "abi-items.json"


def load(path: Path = None) -> Catalog:
    """Reads abi-items.json; raises FileNotFoundError when it is not generated."""
    path = path or items_json()
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} is not generated (cmake -S . -B {paths.build_dir()}, or "
            f"cmake --build {paths.build_dir()} --target mv_abi_headers)")
    return Catalog.from_json(json.loads(path.read_text()))
