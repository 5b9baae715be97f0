"""abi-diff against synthetic descriptions: one test per class of change."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from mvabi import diff, model

REPO = Path(__file__).resolve().parents[2]
ABI_DIFF = REPO / "scripts" / "abi-diff"

# A small but complete description: two opcodes, three hypercalls, statuses,
# a CPUID leaf, a flag set, an enum with a sentinel, a struct, constants.
BASE = '''
spec_version = 0x3123764D
spec_name = "Mv#1"
revision = 1

[[opcode]]
name = "handle"
value = 0x1
constant = "MV_HANDLE_OP_VAL"
nosig = "MV_HANDLE_OP_NOSIG_VAL"

[[opcode]]
name = "vm"
value = 0x2
constant = "MV_VM_OP_VAL"
nosig = "MV_VM_OP_NOSIG_VAL"

[[hypercall]]
name = "mv_handle_op_open_handle"
opcode = "handle"
index = 0x0
index_constant = "MV_HANDLE_OP_OPEN_HANDLE_IDX_VAL"
permission = "any"
handle = false
input = [
  { reg = "REG0", bits = "63:32", reserved = "REVI" },
  { reg = "REG0", bits = "31:0", meaning = "the spec version" },
]
output = [ { reg = "REG0", bits = "63:0", meaning = "the handle" } ]

[[hypercall]]
name = "mv_vm_op_create_vm"
opcode = "vm"
index = 0x0
index_constant = "MV_VM_OP_CREATE_VM_IDX_VAL"
permission = "root"
handle = true
input = [ { reg = "REG0", bits = "63:0", meaning = "handle" } ]
output = [
  { reg = "REG0", bits = "63:16", reserved = "REVI" },
  { reg = "REG0", bits = "15:0", meaning = "the VMID" },
]

[[hypercall]]
name = "mv_vm_op_destroy_vm"
opcode = "vm"
index = 0x1
index_constant = "MV_VM_OP_DESTROY_VM_IDX_VAL"
permission = "root"
handle = true
input = [
  { reg = "REG0", bits = "63:0", meaning = "handle" },
  { reg = "REG1", bits = "63:16", reserved = "REVZ" },
  { reg = "REG1", bits = "15:0", meaning = "the VMID" },
]
output = []

[[status]]
name = "MV_STATUS_SUCCESS"
value = 0x0

[[status]]
name = "MV_STATUS_FAILURE_UNKNOWN"
value = 0xDEAD000000010001

[[cpuid]]
name = "CPUID_4000_XX01_EAX"
leaf = 0x40000201
register = "eax"
parts = [
  { bits = "31:1", reserved = "REVZ" },
  { bits = "0:0", meaning = "spec Mv#1", value = 1 },
]

[[flags]]
name = "gpa"
revz_mask = 0xFFFFFFFFFFFFFFF8
revz_mask_constant = "MV_GPA_FLAG_REVZ_MASK"
bits = [
  { name = "MV_GPA_FLAG_READ_ACCESS", bit = 0 },
  { name = "MV_GPA_FLAG_WRITE_ACCESS", bit = 1 },
  { name = "MV_GPA_FLAG_EXECUTE_ACCESS", bit = 2 },
]

[[enum]]
name = "mv_vp_exit_t"
values = [
  { name = "mv_vp_exit_t_hlt", value = 0 },
  { name = "mv_vp_exit_t_fault", value = 1 },
  { name = "mv_vp_exit_t_max", value = 2, sentinel = true },
]

[[struct]]
name = "mv_mdl_entry_t"
size = 32
fields = [
  { name = "gpa", type = "uint64_t", offset = 0x0, size = 8, meaning = "gpa" },
  { name = "size", type = "uint64_t", offset = 0x8, size = 8, meaning = "size" },
  { name = "revz", type = "uint64_t", count = 2, offset = 0x10, size = 16, reserved = "REVZ" },
]

[[constant]]
name = "MV_INVALID_ID"
type = "uint16_t"
value = 0xFFFF

[[constant]]
name = "MV_MDL_MAP_MAX_NUM_ENTRIES"
value = 169
'''

NEW_HC = '''
[[hypercall]]
name = "mv_vm_op_vmid"
opcode = "vm"
index = 0x2
index_constant = "MV_VM_OP_VMID_IDX_VAL"
permission = "any"
handle = true
input = [ { reg = "REG0", bits = "63:0", meaning = "handle" } ]
output = [ { reg = "REG0", bits = "63:0", meaning = "the VMID" } ]
'''


def sub(text, old, new, count=1):
    assert old in text, old
    return text.replace(old, new, count)


def changes(new_text, old_text=BASE):
    return diff.compare(model.loads(old_text, "old"), model.loads(new_text, "new"))


def only(ch, verdict, what_part, item=None):
    """Exactly one change, with this verdict, whose `what` contains what_part."""
    assert len(ch) == 1, "\n".join(c.line() for c in ch)
    c = ch[0]
    assert c.verdict == verdict, c.line()
    assert what_part in c.what, c.line()
    if item:
        assert c.item == item, c.line()
    return c


# ---- no change -----------------------------------------------------------------

def test_identical():
    assert changes(BASE) == []
    assert diff.verdict([]) == "none"


def test_docs_are_not_compared():
    t = sub(BASE, 'name = "MV_STATUS_SUCCESS"\n', 'name = "MV_STATUS_SUCCESS"\ndoc = "text"\nmeaning = "ok"\n')
    assert changes(t) == []


def test_the_real_description_is_valid_and_equal_to_itself():
    abi = model.load(model.DEFAULT_PATH)
    assert diff.compare(abi, model.load(model.DEFAULT_PATH)) == []
    assert abi.spec_version == 0x3123764D


# ---- compatible ------------------------------------------------------------------

def test_new_hypercall_is_compatible():
    c = only(changes(BASE + NEW_HC), "compatible", "new hypercall", "mv_vm_op_vmid")
    assert c.new.startswith("vm 0x2")


def test_new_status_is_compatible():
    only(changes(BASE + '[[status]]\nname = "MV_STATUS_NEW"\nvalue = 0xDEAD000000020001\n'),
         "compatible", "new status")


def test_new_enum_value_at_the_end_moving_the_sentinel_is_compatible():
    t = sub(BASE, '{ name = "mv_vp_exit_t_max", value = 2, sentinel = true }',
            '{ name = "mv_vp_exit_t_yield", value = 2 },\n  { name = "mv_vp_exit_t_max", value = 3, sentinel = true }')
    ch = changes(t)
    assert {c.verdict for c in ch} == {"compatible"}, [c.line() for c in ch]
    assert {c.what for c in ch} == {"new enum value at the end", "end-of-list sentinel moved"}


def test_new_flag_bit_from_revz_is_compatible():
    t = sub(BASE, "revz_mask = 0xFFFFFFFFFFFFFFF8", "revz_mask = 0xFFFFFFFFFFFFFFF0")
    t = sub(t, '{ name = "MV_GPA_FLAG_EXECUTE_ACCESS", bit = 2 },',
            '{ name = "MV_GPA_FLAG_EXECUTE_ACCESS", bit = 2 },\n  { name = "MV_GPA_FLAG_DONATE", bit = 3 },')
    only(changes(t), "compatible", "taken from REVZ", "MV_GPA_FLAG_DONATE")


def test_new_register_field_from_revz_is_compatible():
    t = sub(BASE, '{ reg = "REG1", bits = "63:16", reserved = "REVZ" },',
            '{ reg = "REG1", bits = "63:17", reserved = "REVZ" },\n'
            '  { reg = "REG1", bits = "16:16", meaning = "force" },')
    c = only(changes(t), "compatible", "new field taken from REVZ", "mv_vm_op_destroy_vm")
    assert "REG1[16:16]" in c.what


def test_new_cpuid_leaf_is_compatible():
    t = BASE + '''
[[cpuid]]
name = "CPUID_4000_XX03_EAX"
leaf = 0x40000203
register = "eax"
parts = [ { bits = "31:0", reserved = "REVZ" } ]
'''
    only(changes(t), "compatible", "new cpuid")


def test_new_cpuid_bit_from_revz_is_compatible():
    t = sub(BASE, '{ bits = "31:1", reserved = "REVZ" },',
            '{ bits = "31:2", reserved = "REVZ" },\n  { bits = "1:1", meaning = "spec Mv#2", value = 1 },')
    only(changes(t), "compatible", "new field taken from REVZ", "CPUID_4000_XX01_EAX")


def test_new_constant_is_compatible():
    only(changes(BASE + '[[constant]]\nname = "MV_NEW"\nvalue = 1\n'), "compatible", "new constant")


def test_new_struct_field_from_revz_is_compatible():
    t = sub(BASE, '{ name = "revz", type = "uint64_t", count = 2, offset = 0x10, size = 16, reserved = "REVZ" },',
            '{ name = "flags", type = "uint64_t", offset = 0x10, size = 8, meaning = "flags" },\n'
            '  { name = "revz", type = "uint64_t", offset = 0x18, size = 8, reserved = "REVZ" },')
    c = only(changes(t), "compatible", "new field taken from REVZ", "mv_mdl_entry_t")
    assert c.new == "flags: uint64_t"


def test_root_to_any_permission_is_compatible():
    t = sub(BASE, 'index_constant = "MV_VM_OP_DESTROY_VM_IDX_VAL"\npermission = "root"',
            'index_constant = "MV_VM_OP_DESTROY_VM_IDX_VAL"\npermission = "any"')
    only(changes(t), "compatible", "permission changed")


def test_revzi_relaxed_input_is_compatible():
    t = sub(BASE, '{ reg = "REG1", bits = "63:16", reserved = "REVZ" },',
            '{ reg = "REG1", bits = "63:16", reserved = "REVI" },')
    only(changes(t), "compatible", "reserved kind changed")


def test_raised_revision_alone_is_compatible():
    only(changes(sub(BASE, "revision = 1", "revision = 2")), "compatible", "revision changed")


# ---- breaking ---------------------------------------------------------------------

def test_renumbered_index_is_breaking():
    t = sub(BASE, 'index = 0x1\nindex_constant = "MV_VM_OP_DESTROY_VM_IDX_VAL"',
            'index = 0x3\nindex_constant = "MV_VM_OP_DESTROY_VM_IDX_VAL"')
    c = only(changes(t), "breaking", "renumbered index", "mv_vm_op_destroy_vm")
    assert (c.old, c.new) == ("0x1", "0x3")


def test_renumbered_opcode_is_breaking():
    t = sub(BASE, 'value = 0x2\nconstant = "MV_VM_OP_VAL"', 'value = 0x5\nconstant = "MV_VM_OP_VAL"')
    ch = changes(t)
    assert {c.verdict for c in ch} == {"breaking"}
    assert {(c.kind, c.item) for c in ch} == {("opcode", "vm"), ("hypercall", "mv_vm_op_create_vm"),
                                             ("hypercall", "mv_vm_op_destroy_vm")}


def test_removed_hypercall_is_breaking():
    t = BASE.replace(BASE[BASE.index("[[hypercall]]\nname = \"mv_vm_op_destroy_vm\""):BASE.index("[[status]]")], "")
    only(changes(t), "breaking", "hypercall removed", "mv_vm_op_destroy_vm")


def test_changed_register_meaning_is_breaking():
    t = sub(BASE, 'meaning = "the VMID" },\n]\noutput = []', 'meaning = "the VPID" },\n]\noutput = []')
    c = only(changes(t), "breaking", "changed meaning/range", "mv_vm_op_destroy_vm")
    assert "the VMID" in c.old and "the VPID" in c.new


def test_changed_register_bit_range_is_breaking():
    t = sub(BASE, '{ reg = "REG1", bits = "63:16", reserved = "REVZ" },\n  { reg = "REG1", bits = "15:0", meaning = "the VMID" },',
            '{ reg = "REG1", bits = "63:32", reserved = "REVZ" },\n  { reg = "REG1", bits = "31:0", meaning = "the VMID" },')
    ch = changes(t)
    assert any(c.verdict == "breaking" and "changed meaning/range" in c.what for c in ch)


def test_new_input_in_revi_register_is_breaking():
    t = sub(BASE, 'output = [\n  { reg = "REG0", bits = "63:16", reserved = "REVI" },',
            'output = [\n  { reg = "REG0", bits = "63:16", reserved = "REVI" },', 1)
    t = sub(t, 'input = [ { reg = "REG0", bits = "63:0", meaning = "handle" } ]\noutput = [\n',
            'input = [\n  { reg = "REG0", bits = "63:0", meaning = "handle" },\n'
            '  { reg = "REG1", bits = "63:0", meaning = "flags" },\n]\noutput = [\n')
    only(changes(t), "breaking", "new input in ignored bits", "mv_vm_op_create_vm")


def test_revi_to_revz_is_breaking():
    t = sub(BASE, '{ reg = "REG0", bits = "63:32", reserved = "REVI" },',
            '{ reg = "REG0", bits = "63:32", reserved = "REVZ" },')
    c = only(changes(t), "breaking", "reserved kind changed", "mv_handle_op_open_handle")
    assert (c.old, c.new) == ("REVI", "REVZ")


def test_changed_status_value_is_breaking():
    t = sub(BASE, "value = 0xDEAD000000010001", "value = 0xDEAD000000010005")
    only(changes(t), "breaking", "changed status value", "MV_STATUS_FAILURE_UNKNOWN")


def test_removed_status_is_breaking():
    t = sub(BASE, '[[status]]\nname = "MV_STATUS_FAILURE_UNKNOWN"\nvalue = 0xDEAD000000010001\n', "")
    only(changes(t), "breaking", "status removed")


def test_struct_size_and_offset_change_is_breaking():
    t = sub(BASE, "size = 32", "size = 40")
    t = sub(t, '{ name = "revz", type = "uint64_t", count = 2, offset = 0x10, size = 16, reserved = "REVZ" },',
            '{ name = "pad", type = "uint64_t", offset = 0x10, size = 8, meaning = "pad" },\n'
            '  { name = "revz", type = "uint64_t", count = 2, offset = 0x18, size = 16, reserved = "REVZ" },')
    ch = changes(t)
    whats = {c.what for c in ch}
    assert {c.verdict for c in ch} == {"breaking"}
    assert "struct size changed" in whats and "field offset changed" in whats


def test_changed_enum_value_is_breaking():
    t = sub(BASE, '{ name = "mv_vp_exit_t_fault", value = 1 }', '{ name = "mv_vp_exit_t_fault", value = 5 }')
    only(changes(t), "breaking", "changed enum value", "mv_vp_exit_t.mv_vp_exit_t_fault")


def test_new_enum_value_in_the_middle_is_breaking():
    t = sub(BASE, '{ name = "mv_vp_exit_t_hlt", value = 0 },',
            '{ name = "mv_vp_exit_t_hlt", value = 0 },\n  { name = "mv_vp_exit_t_new", value = 10 },')
    # value 10 is above everything: at the end, fine; but reusing a value is not
    assert changes(t)[0].verdict == "compatible"
    t = sub(BASE, '{ name = "mv_vp_exit_t_max", value = 2, sentinel = true }',
            '{ name = "mv_vp_exit_t_new", value = -1 },\n  { name = "mv_vp_exit_t_max", value = 2, sentinel = true }')
    only(changes(t), "breaking", "not at the end")


def test_changed_constant_value_is_breaking():
    only(changes(sub(BASE, "value = 169", "value = 170")), "breaking", "changed constant value",
         "MV_MDL_MAP_MAX_NUM_ENTRIES")


def test_exit_codes():
    real = model.DEFAULT_PATH.read_text()
    old = model.loads(real)
    moved = model.loads(real.replace('name = "SKIP"\nvalue = 3', 'name = "SKIP"\nvalue = 6'))
    ch = diff.compare(old, moved)
    assert [(c.item, c.what, c.old, c.new, c.verdict) for c in ch] == \
        [("SKIP", "changed exit code", "3", "6", "breaking")]
    added = model.loads(real + '\n[[exit_code]]\nname = "HANG"\nvalue = 127\nsource = "backend"\nmeaning = "x"\n')
    assert [(c.item, c.verdict) for c in diff.compare(old, added)] == [("HANG", "compatible")]
    # a description from before the exit codes: nothing to compare
    assert diff.compare(model.loads(BASE), model.loads(BASE)) == []


def test_any_to_root_permission_is_breaking():
    t = sub(BASE, 'permission = "any"', 'permission = "root"')
    only(changes(t), "breaking", "permission changed")


def test_flag_bit_moved_is_breaking():
    t = sub(BASE, '{ name = "MV_GPA_FLAG_EXECUTE_ACCESS", bit = 2 }', '{ name = "MV_GPA_FLAG_EXECUTE_ACCESS", bit = 3 }')
    t = sub(t, "revz_mask = 0xFFFFFFFFFFFFFFF8", "revz_mask = 0xFFFFFFFFFFFFFFF4")
    ch = changes(t)
    assert any(c.verdict == "breaking" and c.what == "flag bit changed" for c in ch), [c.line() for c in ch]


def test_cpuid_value_change_is_breaking():
    t = sub(BASE, '{ bits = "0:0", meaning = "spec Mv#1", value = 1 }', '{ bits = "0:0", meaning = "spec Mv#1", value = 0 }')
    only(changes(t), "breaking", "changed meaning/range", "CPUID_4000_XX01_EAX")


def test_spec_version_change_is_breaking():
    only(changes(sub(BASE, "spec_version = 0x3123764D", "spec_version = 0x3223764D")), "breaking", "spec ID")


# ---- the command line ----------------------------------------------------------------

def run(*args, **kw):
    return subprocess.run([sys.executable, str(ABI_DIFF), *map(str, args)], capture_output=True, text=True, **kw)


@pytest.fixture
def files(tmp_path):
    def make(name, text):
        p = tmp_path / name
        p.write_text(text)
        return p
    return make


def test_cli_exit_codes_and_report(files):
    base = files("old.toml", BASE)
    assert run(base, base).returncode == 0
    r = run(base, files("new.toml", BASE + NEW_HC))
    assert r.returncode == 1, r.stdout + r.stderr
    assert "compatible  hypercall  mv_vm_op_vmid: new hypercall: - -> vm 0x2" in r.stdout
    bad = files("bad.toml", sub(BASE, 'index = 0x1\nindex_constant = "MV_VM_OP_DESTROY_VM_IDX_VAL"',
                                'index = 0x3\nindex_constant = "MV_VM_OP_DESTROY_VM_IDX_VAL"'))
    r = run(base, bad)
    assert r.returncode == 2
    assert "BREAKING    hypercall  mv_vm_op_destroy_vm: renumbered index: 0x1 -> 0x3" in r.stdout
    r = run("--json", base, bad)
    data = json.loads(r.stdout)
    assert r.returncode == 2 and data["verdict"] == "breaking" and data["exit"] == 2
    assert data["changes"][0] == {"kind": "hypercall", "item": "mv_vm_op_destroy_vm", "what": "renumbered index",
                                  "old": "0x1", "new": "0x3", "verdict": "breaking"}


def tmp_files_bytes(p, data):
    p.write_bytes(data)
    return p


def test_cli_usage_and_parse_errors(files):
    base = files("old.toml", BASE)
    assert run(base).returncode == 3
    assert run(base, files("broken.toml", "spec_version = [")).returncode == 3
    invalid = files("invalid.toml", sub(BASE, 'opcode = "vm"\nindex = 0x1', 'opcode = "vm"\nindex = 0x0'))
    r = run(base, invalid)
    assert r.returncode == 3 and "is also mv_vm_op_create_vm" in r.stderr
    assert run(base, "no-such-revision-xyz").returncode == 3
    # a file that is not UTF-8: a parse error (3) with one line, never a traceback (1)
    latin = tmp_files_bytes(base.parent / "latin1.toml", b"spec_version = \"\xff\xfe\"\n")
    for args in ((base, latin), (latin, base)):
        r = run(*args)
        assert r.returncode == 3 and "not UTF-8" in r.stderr and "Traceback" not in r.stderr, r.stderr


def test_cli_git_revision(tmp_path):
    """REV and REV:path read the description from git (here: a scratch repository)."""
    repo = tmp_path / "repo"
    (repo / "abi").mkdir(parents=True)
    (repo / "abi" / "mv-abi.toml").write_text(BASE)
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    try:
        for cmd in (["init", "-q"], ["add", "."], ["commit", "-qm", "base"]):
            subprocess.run(["git", "-C", str(repo), *cmd], check=True, env=env, capture_output=True)
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("git unavailable")
    sys.path.insert(0, str(REPO / "scripts"))
    import importlib.machinery
    import importlib.util
    loader = importlib.machinery.SourceFileLoader("abi_diff_cli", str(ABI_DIFF))
    spec = importlib.util.spec_from_loader("abi_diff_cli", loader)
    cli = importlib.util.module_from_spec(spec)
    loader.exec_module(cli)
    cli.REPO = repo
    (repo / "abi" / "mv-abi.toml").write_text(BASE + NEW_HC)
    assert cli.main(["HEAD", "WORKTREE"]) == 1
    assert cli.main(["HEAD:abi/mv-abi.toml", str(repo / "abi" / "mv-abi.toml")]) == 1
    assert cli.main(["HEAD~5", "WORKTREE"]) == 3
    # the guard against the committed file
    assert cli.main(["--guard"]) == 0
    renum = sub(BASE, 'index = 0x1\nindex_constant = "MV_VM_OP_DESTROY_VM_IDX_VAL"',
                'index = 0x3\nindex_constant = "MV_VM_OP_DESTROY_VM_IDX_VAL"')
    (repo / "abi" / "mv-abi.toml").write_text(renum)
    assert cli.main(["--guard"]) == 2
    (repo / "abi" / "mv-abi.toml").write_text(sub(renum, "revision = 1", "revision = 2"))
    assert cli.main(["--guard"]) == 0


# ---- the guard -------------------------------------------------------------------------

def test_guard(files):
    base = files("base.toml", BASE)
    renum = sub(BASE, 'index = 0x1\nindex_constant = "MV_VM_OP_DESTROY_VM_IDX_VAL"',
                'index = 0x3\nindex_constant = "MV_VM_OP_DESTROY_VM_IDX_VAL"')
    r = run("--guard", "--base", base, files("renum.toml", renum))
    assert r.returncode == 2
    assert "abi.guard: FAIL: breaking change to mv_vm_op_destroy_vm without a raised version" in r.stdout
    assert "renumbered index: 0x1 -> 0x3" in r.stdout
    r = run("--guard", "--base", base, files("raised.toml", sub(renum, "revision = 1", "revision = 2")))
    assert r.returncode == 0 and "PASS: breaking changes, and the revision was raised" in r.stdout
    r = run("--guard", "--base", base, files("compat.toml", BASE + NEW_HC))
    assert r.returncode == 0 and "compatible changes only" in r.stdout
    r = run("--guard", "--base", base, files("lower.toml", sub(BASE, "revision = 1", "revision = 0")))
    assert r.returncode == 2 and "revision went down" in r.stdout


def test_guard_without_a_committed_description(files):
    r = run("--guard", "--base", "no-such-rev-zzz", files("x.toml", BASE))
    assert r.returncode == 0 and "PASS (note: no committed description" in r.stdout
