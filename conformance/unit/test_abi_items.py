"""The matrix's item list is the description's: abi-gen's abi-items.json and
conformance/abi_items.c compiled against the generated mv_catalog.h print the
same items (the cross-check that the generated header and the json agree)."""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "abi"))
from mvabi import gen, model  # noqa: E402

GROUPS = ("hypercall", "status", "cpuid", "exit_reason")


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("abi")
    subprocess.run([sys.executable, str(REPO / "scripts" / "abi-gen"), "--include-dir", str(out / "include"),
                    "--items", str(out / "abi-items.json")], check=True)
    return out


def test_items_json_is_the_description(generated):
    data = json.loads((generated / "abi-items.json").read_text())
    abi = model.load(model.DEFAULT_PATH)
    assert [i["name"] for i in data["hypercall"]] == [h["name"] for h in abi.hypercalls]
    hc = {i["name"]: i for i in data["hypercall"]}
    assert hc["mv_handle_op_close_handle"]["opcode"] == "0x0001"
    assert hc["mv_handle_op_close_handle"]["index"] == "0x0001"
    assert hc["mv_vp_run_vp"]["rax"] == "0x764d000000080002"
    st = {i["name"]: i["value"] for i in data["status"]}
    assert st["MV_STATUS_FAILURE_INVALID_HANDLE"] == "0xdead000000040001"
    cp = {i["name"]: i for i in data["cpuid"]}
    assert cp["CPUID_4000_XX02_EDX"] == {"name": "CPUID_4000_XX02_EDX", "leaf": "0x40000202", "register": "edx"}
    assert "mv_vp_exit_t_max" not in [i["name"] for i in data["exit_reason"]]


@pytest.mark.skipif(not shutil.which("cc"), reason="no C compiler")
def test_abi_items_c_agrees_with_json(generated, tmp_path):
    exe = tmp_path / "abi-items"
    subprocess.run(["cc", "-std=c11", "-Wall", "-Wextra", "-Werror", f"-I{generated / 'include'}",
                    f"-I{REPO / 'include'}", str(REPO / "conformance" / "abi_items.c"), "-o", str(exe)],
                   check=True)
    printed = json.loads(subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout)
    data = json.loads((generated / "abi-items.json").read_text())
    assert {g: printed[g] for g in GROUPS} == {g: data[g] for g in GROUPS}


def test_new_item_becomes_a_row(tmp_path):
    """An item added to the description appears in the item list (the matrix
    shows it not-covered until a probe checks it)."""
    text = model.DEFAULT_PATH.read_text() + '''
[[status]]
name = "MV_STATUS_FAILURE_NEW"
value = 0xDEAD000000080001
'''
    abi = model.loads(text)
    names = [i["name"] for i in gen.items(abi)["status"]]
    assert names[-1] == "MV_STATUS_FAILURE_NEW"


def test_xvio_matrix_group(generated):
    """XVIO items (matrix_group = "xvio" in the description) are rows of the
    xvio section of the matrix, still in their kind's lists (docs/xvio.md)."""
    from mvconf import catalog
    data = json.loads((generated / "abi-items.json").read_text())
    xvio = data["matrix_groups"]["xvio"]
    assert "mv_xvio_op_post_message" in xvio and "MV_STATUS_XVIO_QUEUE_FULL" in xvio
    assert "mv_xvio_op_post_message" in [i["name"] for i in data["hypercall"]]
    cat = catalog.Catalog.from_json(data)
    assert cat.by_name["mv_xvio_op_set_focus"].group == "xvio"
    assert cat.by_name["MV_STATUS_XVIO_NO_MESSAGE"].group == "xvio"
    assert cat.by_name["mv_vp_run_vp"].group == "hypercall"
    assert cat.by_name["MV_STATUS_SUCCESS"].group == "status"
