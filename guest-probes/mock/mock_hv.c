/*
 * A mock MicroV inside the guest, for testing the probes themselves on bare
 * QEMU (no hypervisor): the native hypercall instruction raises #UD there,
 * and this hook emulates docs/spec-errata.md for the hypercalls
 * the probes use, then resumes after the instruction.  Linked only into the
 * *-mock.elf test builds; never part of a real probe.  CPUID cannot be mocked
 * this way, so the cpuid probe has no mock build.
 */
#include "probe.h"

static bool open;
static uint64_t handle, next_handle = 0x00C0FFEE00000001ull;

static bool needs_handle(uint64_t rax)
{
	uint16_t op = (uint16_t)(rax >> 16), idx = (uint16_t)rax;

	return !(op == EXP_OP_DEBUG || (op == EXP_OP_HANDLE && idx == EXP_IDX_OPEN_HANDLE));
}

static uint64_t emulate(struct rt_frame *f)
{
	uint64_t rax = f->rax;
	uint16_t op = (uint16_t)(rax >> 16), idx = (uint16_t)rax;

	if ((rax >> 48) != EXP_HC_SIG || (((rax >> 32) & 0xFFFF) & ~EXP_HC_FLAG_SCC) ||
	    !hc_name(rax))
		return EXP_STATUS_FAILURE_UNSUPPORTED;
	if (needs_handle(rax) && (!open || f->r10 != handle))
		return EXP_STATUS_FAILURE_INVALID_HANDLE;
	if (op == EXP_OP_DEBUG) {
		char line[96];

		rt_snprintf(line, sizeof(line), EXP_CONSOLE_DEBUG_OUT "\n", EXP_ROOT_VMID,
			    EXP_ROOT_VPID, (unsigned long long)f->r10, (unsigned long long)f->r11);
		serial_puts(line);
		return EXP_STATUS_SUCCESS;
	}
	if (op == EXP_OP_HANDLE && idx == EXP_IDX_OPEN_HANDLE) {
		if ((uint32_t)f->r10 != EXP_SPEC_ID1)
			return EXP_STATUS_INVALID_PARAMS0;
		if (open)
			return EXP_STATUS_INVALID_PERM_DENIED;
		open = true;
		handle = next_handle++;
		f->r10 = handle;
		return EXP_STATUS_SUCCESS;
	}
	if (op == EXP_OP_HANDLE && idx == EXP_IDX_CLOSE_HANDLE) {
		open = false;
		return EXP_STATUS_SUCCESS;
	}
	if (op == EXP_OP_VM && idx == EXP_IDX_VM_VMID) {
		f->r10 = EXP_ROOT_VMID;
		return EXP_STATUS_SUCCESS;
	}
	return EXP_STATUS_FAILURE_UNSUPPORTED;
}

/* #UD at the vendor's hypercall instruction (0F 01 C1 / 0F 01 D9), wherever
 * it is (the runtime's or an inline wrapper's): emulate, skip 3 bytes. */
bool rt_unexpected_hook(struct rt_frame *f)
{
	const uint8_t *insn = (const uint8_t *)(uintptr_t)f->rip;
	uint8_t modrm;

	if (f->vector != EXP_VECTOR_UD || hc_vendor() == HC_VENDOR_UNKNOWN)
		return false;
	modrm = hc_native_insn() == HC_VMCALL ? 0xC1 : 0xD9;
	if (insn[0] != 0x0F || insn[1] != 0x01 || insn[2] != modrm)
		return false;
	f->rax = emulate(f);
	f->rip += 3;
	return true;
}
