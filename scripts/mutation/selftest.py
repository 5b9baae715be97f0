"""The one assertion of the mutation runner's self-tests (test_covmap.py,
test_archsel.py): expect() prints a FAIL line for a wrong value and counts
it; finish() prints the verdict and exits 1 if anything failed."""
import sys

_fails = 0


def expect(what, got, want):
    global _fails
    if got != want:
        print(f"FAIL {what}: got {got!r}, expected {want!r}")
        _fails += 1


def finish(name):
    print(f"{name}:", "FAIL" if _fails else "PASS")
    sys.exit(1 if _fails else 0)
