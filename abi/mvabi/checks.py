"""Cross-checks of the description against the code built from it.

items(abi, json_text, exe_output): the abi-items.json written by abi-gen and
  what conformance/abi_items.c (compiled against the generated headers)
  prints are the same item list, and both are the description's.
Returns a list of problems (empty: agreed).  (hv/core's dispatch table is
generated, MV_CATALOG_HYPERCALL_DISPATCH; the compiler checks that every
handler it names exists, core.dispatch_complete that each is reached.)
"""
import json
from typing import List

from . import gen
from .model import Abi


def items(abi: Abi, json_text: str, exe_output: str = None) -> List[str]:
    problems = []
    want = gen.items(abi)
    try:
        got = json.loads(json_text)
    except ValueError as e:
        return [f"abi-items.json is not JSON: {e}"]
    for group, rows in want.items():
        if got.get(group) != rows:
            problems.append(f"abi-items.json group {group} differs from the description "
                            "(regenerate: cmake --build <build> --target mv_abi_headers)")
    if exe_output is not None:
        try:
            printed = json.loads(exe_output)
        except ValueError as e:
            return problems + [f"abi-items printed no JSON: {e}"]
        for group, rows in want.items():
            a = printed.get(group, [])
            if a != rows:
                names_a = [r["name"] for r in a]
                names_w = [r["name"] for r in rows]
                diff = [r for r in a if r not in rows] + [r for r in rows if r not in a]
                problems.append(f"abi-items (the generated mv_catalog.h compiled) group {group} differs "
                                f"from the description: {len(names_a)} vs {len(names_w)} items; "
                                f"first difference: {diff[:2]}")
    return problems
