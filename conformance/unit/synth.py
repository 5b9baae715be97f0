"""Synthetic probe logs and catalogue for the harness self-tests."""

CATALOG_JSON = {
    "hypercall": [{"name": "mv_debug_op_out", "opcode": "0x0000", "index": "0x0000"},
                  {"name": "mv_handle_op_open_handle", "opcode": "0x0001", "index": "0x0000"},
                  {"name": "mv_handle_op_close_handle", "opcode": "0x0001", "index": "0x0001"}],
    "status": [{"name": "MV_STATUS_SUCCESS", "value": "0x0"},
               {"name": "MV_STATUS_INVALID_PARAMS0", "value": "0xdead000000010003"}],
    "cpuid": [{"name": "CPUID_4000_XX00_EBX", "leaf": "0x40000200", "register": "ebx"},
              {"name": "CPUID_4000_XX02_EBX", "leaf": "0x40000202", "register": "ebx"},
              {"name": "CPUID_4000_XX02_EDX", "leaf": "0x40000202", "register": "edx"}],
    "exit_reason": [{"name": "mv_vp_exit_t_hlt", "value": "0x3"}],
}


def mvp_log(probe, checks, result=None, failed=None, end=True, extra=()):
    """A synthetic probe log.  checks: (id, items, expected, got, verdict)."""
    lines = [f'MVP BEGIN probe={probe} title="synthetic {probe}"', "[hv] booting"]
    lines += list(extra)
    for cid, items, exp, got, verdict in checks:
        lines.append(f"MVP CHECK probe={probe} id={cid} items={items} expected={exp} "
                     f'got={got} verdict={verdict} desc="{cid} check"')
    if end:
        nfail = sum(c[4] == "fail" for c in checks) if failed is None else failed
        res = result or ("FAILURE" if nfail else "SUCCESS")
        lines.append(f"MVP END probe={probe} result={res} checks={len(checks)} failed={nfail}")
    return "\n".join(lines) + "\n"
