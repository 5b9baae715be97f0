"""A refused root image's expected line with "<spa>" (protocol.refusal_matches):
the module's address differs per backend (mbimg.header-short), every other
character must be equal."""
from mvconf.protocol import refusal_matches

WANT = "[hv] boot: module 0 (0x1f bytes at <spa>) unreadable or too small"


def test_any_address_matches():
    for spa in ("0x4000000", "0x10b000", "0x0"):
        assert refusal_matches(f"[hv] boot: module 0 (0x1f bytes at {spa}) unreadable or too small\n",
                               WANT)


def test_the_rest_is_exact():
    assert not refusal_matches("[hv] boot: module 0 (0x20 bytes at 0x4000000) unreadable or too small",
                               WANT)
    assert not refusal_matches("[hv] boot: module 0 (0x1f bytes at ) unreadable or too small", WANT)
    assert not refusal_matches("[hv] boot: module 0 (0x1f bytes at 0x4000000) unreadable or too small!",
                               WANT)
    assert not refusal_matches("[hv] boot: module 0 has no multiboot header in its first 8192 bytes", WANT)


def test_without_placeholder_exact():
    line = "[hv] boot: multiboot load_end_addr 0xfffff below load_addr 0x100000"
    assert refusal_matches(line + "  ", line)
    assert not refusal_matches(line.replace("0xfffff", "0xffffe"), line)
    assert not refusal_matches("[hv] boot: multiboot load_end_addr 0xfffff below load_addr 0x1000000", line)
