#!/usr/bin/env python3
"""Unit test of scripts/check-layering (ctest layering.selftest).

Builds small synthetic trees (sources, and object files laid out as CMake
lays them out) and checks that the tool fails on each kind of violation,
naming the files, and passes on a clean tree.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

TOOL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts",
                    "check-layering")
CC = os.environ.get("CC", "cc")


def write(root, rel, text):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as fh:
        fh.write(text)


class Tree:
    """A source tree under src/ and its CMake-style build under build/."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="layering-")
        self.src = os.path.join(self.dir, "src")
        self.build = os.path.join(self.dir, "build")
        # The arch interface and a core header.
        write(self.src, "hv/include/hv/arch/arch.h", "#include <hv/types.h>\nint arch_pp_id(void);\n")
        write(self.src, "hv/include/hv/types.h", "#include <stdint.h>\n")
        write(self.src, "hv/include/hv/vm.h", "#include <hv/arch/arch.h>\n")
        write(self.src, "hv/arch/x86/include/x86/cpu.h", "int cpu_x(void);\n")

    def source(self, rel, text):
        write(self.src, rel, text)

    def compile(self, rel, target="hv_core_host", target_dir="hv"):
        """Compile src/rel into build/<target_dir>/CMakeFiles/<target>.dir/..."""
        sub = os.path.relpath(rel, target_dir)
        obj = os.path.join(self.build, target_dir, "CMakeFiles", target + ".dir", sub + ".o")
        os.makedirs(os.path.dirname(obj), exist_ok=True)
        subprocess.run([CC, "-c", "-w", "-I", os.path.join(self.src, "hv/include"),
                        "-I", os.path.join(self.src, "hv/arch/x86/include"),
                        os.path.join(self.src, rel), "-o", obj], check=True)

    def check(self, *extra):
        res = subprocess.run([sys.executable, TOOL, "--src", self.src, "--build", self.build,
                              *extra], capture_output=True, text=True)
        return res.returncode, res.stdout + res.stderr

    def close(self):
        shutil.rmtree(self.dir)


class LayeringTest(unittest.TestCase):
    def setUp(self):
        self.t = Tree()
        self.addCleanup(self.t.close)

    def clean_core(self):
        # a.c calls b.c; nothing calls back.
        self.t.source("hv/core/a.c", "int b_two(void);\nint a_one(void) { return b_two(); }\n")
        self.t.source("hv/core/b.c", "int b_two(void) { return 2; }\n")
        self.t.source("sim/vcpu.c", "#include <hv/arch/arch.h>\nint vcpu_run(void) { return 0; }\n")
        self.t.source("sim/tests/test_x.c", "#include <hv/vm.h>\n")  # tests may look inside
        self.t.compile("hv/core/a.c")
        self.t.compile("hv/core/b.c")
        self.t.compile("sim/vcpu.c", target="mvsim_host", target_dir="sim")

    def test_clean_tree_passes(self):
        self.clean_core()
        rc, out = self.t.check()
        self.assertEqual(rc, 0, out)
        self.assertIn("layering holds", out)

    def test_call_cycle(self):
        self.clean_core()
        self.t.source("hv/core/b.c", "int a_three(void);\nint b_two(void) { return a_three(); }\n")
        self.t.source("hv/core/a.c", "int b_two(void);\nint a_one(void) { return b_two(); }\n"
                                     "int a_three(void) { return 3; }\n")
        self.t.compile("hv/core/a.c")
        self.t.compile("hv/core/b.c")
        rc, out = self.t.check()
        self.assertEqual(rc, 1, out)
        self.assertIn("call cycle in hv/core: hv/core/a.c -> hv/core/b.c -> hv/core/a.c", out)
        # --known turns the group's cycles into warnings.
        rc, out = self.t.check("--known", "hv/core")
        self.assertEqual(rc, 0, out)
        self.assertIn("warning: known call cycle in hv/core", out)

    def test_include_cycle(self):
        self.clean_core()
        self.t.source("hv/include/hv/p.h", "#include <hv/q.h>\n")
        self.t.source("hv/include/hv/q.h", "#include \"p.h\"\n")
        rc, out = self.t.check()
        self.assertEqual(rc, 1, out)
        self.assertIn("include cycle in hv/core: hv/include/hv/p.h -> hv/include/hv/q.h -> "
                      "hv/include/hv/p.h", out)

    def test_core_includes_backend(self):
        self.clean_core()
        self.t.source("hv/core/c.c", "#include <x86/cpu.h>\n")
        rc, out = self.t.check()
        self.assertEqual(rc, 1, out)
        self.assertIn("hv/core/c.c:1: #include x86/cpu.h: the core includes a backend file "
                      "(hv/arch/x86/include/x86/cpu.h)", out)

    def test_backend_includes_core_header(self):
        self.clean_core()
        self.t.source("sim/vcpu.c", "#include <hv/arch/arch.h>\n#include <hv/vm.h>\n")
        rc, out = self.t.check()
        self.assertEqual(rc, 1, out)
        self.assertIn("sim/vcpu.c:2: #include hv/vm.h: a backend includes a core header outside "
                      "hv/include/hv/arch/ (hv/include/hv/vm.h)", out)

    def test_arch_interface_leaks_core_header(self):
        self.clean_core()
        self.t.source("hv/include/hv/arch/core.h", "#include <hv/vm.h>\n")
        rc, out = self.t.check()
        self.assertEqual(rc, 1, out)
        self.assertIn("hv/include/hv/arch/core.h:1: #include hv/vm.h: the arch interface includes "
                      "a core header that is not a service", out)

    def test_export_without_prefix(self):
        self.clean_core()
        self.t.source("hv/core/b.c", "int b_two(void) { return 2; }\nint helper(void) { return 0; }\n")
        self.t.compile("hv/core/b.c")
        rc, out = self.t.check()
        self.assertEqual(rc, 1, out)
        self.assertIn("hv/core/b.c: exports helper, which lacks the file's prefix", out)

    def test_missing_objects_fail(self):
        # A group with sources but no objects is not silently clean.
        self.clean_core()
        shutil.rmtree(self.t.build)
        os.makedirs(self.t.build)
        rc, out = self.t.check()
        self.assertEqual(rc, 1, out)
        self.assertIn("hv/core: no object files found", out)


if __name__ == "__main__":
    unittest.main()
