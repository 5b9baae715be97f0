"""Cross-checks of the description against the code built from it.

dispatch(abi, source): hv/core/hypercall.c's hc_dispatch() has exactly one
  case per hypercall of the description (no missing one, none extra), its
  decoder admits the catalogue (MV_CATALOG_HYPERCALLS) and hc_needs_handle()
  exempts exactly the hypercalls with handle = false.
items(abi, json_text, exe_output): the abi-items.json written by abi-gen and
  what conformance/abi_items.c (compiled against the generated headers)
  prints are the same item list, and both are the description's.
Each returns a list of problems (empty: agreed).
"""
import json
import re
from typing import List

from . import gen
from .model import Abi


def _function_body(text: str, name: str) -> str:
    m = re.search(rf"\b{name}\s*\([^)]*\)\s*\{{", text)
    if not m:
        return ""
    depth, i = 1, m.end()
    while i < len(text) and depth:
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        i += 1
    return text[m.end():i - 1]


def dispatch(abi: Abi, source_text: str, source_name: str = "hypercall.c") -> List[str]:
    problems = []
    values = abi.all_values()
    by_key = {(abi.opcode_of(h)["value"], h["index"]): h["name"] for h in abi.hypercalls}

    def key(op_name, idx_name, where):
        if op_name not in values or idx_name not in values:
            problems.append(f"{source_name}: {where} uses {op_name}/{idx_name}, "
                            "not constants of the description")
            return None
        return ((values[op_name] >> 16) & 0xFFFF, values[idx_name])

    body = _function_body(source_text, "hc_dispatch")
    if not body:
        return [f"{source_name}: no hc_dispatch() found"]
    cases = re.findall(r"case\s+HC_KEY\(\s*(\w+)\s*,\s*(\w+)\s*\)\s*:", body)
    seen = {}
    for op_name, idx_name in cases:
        k = key(op_name, idx_name, "a dispatch case")
        if k is None:
            continue
        if k in seen:
            problems.append(f"{source_name}: hc_dispatch has two cases for {by_key.get(k, k)}")
        seen[k] = (op_name, idx_name)
        if k not in by_key:
            problems.append(f"{source_name}: hc_dispatch dispatches opcode {k[0]:#x} index {k[1]:#x} "
                            f"({op_name}, {idx_name}), which is not a hypercall of the description")
    for k, name in by_key.items():
        if k not in seen:
            problems.append(f"{source_name}: hypercall {name} (opcode {k[0]:#x} index {k[1]:#x}) "
                            "has no case in hc_dispatch")
    known = _function_body(source_text, "hypercall_known")
    if "MV_CATALOG_HYPERCALLS" not in known:
        problems.append(f"{source_name}: hypercall_known() does not decode from MV_CATALOG_HYPERCALLS")
    needs = _function_body(source_text, "hc_needs_handle")
    if needs:
        exempt = set()
        for op_name, idx_name in re.findall(r"HC_KEY\(\s*(\w+)\s*,\s*(\w+)\s*\)", needs):
            k = key(op_name, idx_name, "hc_needs_handle")
            if k is not None:
                exempt.add(by_key.get(k, f"{k}"))
        want = {h["name"] for h in abi.hypercalls if not h["handle"]}
        for n in sorted(want - exempt):
            problems.append(f"{source_name}: {n} needs no handle in the description, "
                            "but hc_needs_handle() does not exempt it")
        for n in sorted(exempt - want):
            problems.append(f"{source_name}: hc_needs_handle() exempts {n}, "
                            "which needs a handle in the description")
    return problems


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
