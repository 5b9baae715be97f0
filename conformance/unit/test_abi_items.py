"""abi_items.c prints every catalogue item of include/microv/mv_catalog.h."""
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HEADER = REPO / "include" / "microv" / "mv_catalog.h"
LISTS = {"hypercall": "MV_CATALOG_HYPERCALLS", "status": "MV_CATALOG_STATUS",
         "cpuid": "MV_CATALOG_CPUID", "exit_reason": "MV_CATALOG_EXIT_REASONS"}


def header_items():
    """Item names per list, read from the header's text."""
    text = HEADER.read_text()
    items = {}
    for group, macro in LISTS.items():
        body = re.search(rf"#define {macro}\(X\)(.*?)(?:\n\s*\n|\n/\*|#define|#endif)", text, re.S).group(1)
        items[group] = re.findall(r"\bX\(\s*(\w+)", body)
    return items


@pytest.mark.skipif(not shutil.which("cc"), reason="no C compiler")
def test_abi_items_matches_header(tmp_path):
    exe = tmp_path / "abi-items"
    subprocess.run(["cc", "-std=c11", "-Wall", "-Wextra", "-Werror", f"-I{REPO / 'include'}",
                    str(REPO / "conformance" / "abi_items.c"), "-o", str(exe)], check=True)
    data = json.loads(subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout)
    expected = header_items()
    assert {g: [i["name"] for i in data[g]] for g in LISTS} == expected
    hc = {i["name"]: i for i in data["hypercall"]}
    assert hc["mv_handle_op_close_handle"]["opcode"] == "0x0001"
    assert hc["mv_handle_op_close_handle"]["index"] == "0x0001"
    assert hc["mv_vp_run_vp"]["rax"] == "0x764d000000080002"
    st = {i["name"]: i["value"] for i in data["status"]}
    assert st["MV_STATUS_FAILURE_INVALID_HANDLE"] == "0xdead000000040001"
    cp = {i["name"]: i for i in data["cpuid"]}
    assert cp["CPUID_4000_XX02_EDX"] == {"name": "CPUID_4000_XX02_EDX", "leaf": "0x40000202", "register": "edx"}
