/*
 * realexc: an exception the hypervisor injects into a guest VPS in real
 * mode.  A new VPS starts in real mode (the reset state); the root shares
 * one page at GPA 0 with it: the IVT, code at 0x800 (MOV ECX, imm32;
 * RDMSR of an MSR no guest may read; HLT) and the #GP handler at 0x900
 * (HLT), the stack below 0xF00.  The core refuses the RDMSR with #GP(0)
 * (docs/security.md), which in real mode is delivered through IVT entry 13
 * and pushes FLAGS, CS and IP only: real mode has no error codes (SDM vol.
 * 3 6.13; VMX refuses an entry that delivers one, vmx.c event_prepare
 * drops it; the SVM backend clears EVENTINJ.EV itself, E-64).  The run
 * ends at the handler's HLT with IF = 0.
 */
#include "vmm.h"

PROBE_TITLE("a #GP injected into a real-mode guest: IVT delivery, a frame without error code");

#define CODE 0x800u
#define HANDLER 0x900u
#define STACK_TOP 0xF00u
#define BAD_MSR 0x12345678u

void probe_main(void)
{
	uint64_t vmid = 0, vpid = 0, vpsid = 0;

	vmm_init(false);
	vmm_check_st("create", "mv_vm_op_create_vm,mv_vp_op_create_vp,mv_vps_op_create_vps",
		     EXP_STATUS_SUCCESS,
		     vmm_vm_create(&vmid) | vmm_vp_create(vmid, &vpid) | vmm_vps_create(vpid, &vpsid),
		     "a guest VM with one VP and VPS (reset state: real mode)");
	uint64_t p = vmm_alloc(1);
	volatile uint8_t *m = vmm_gpa_ptr(p);
	for (unsigned i = 0; i < 0x1000; i++)
		m[i] = 0xF4; /* HLT everywhere: a stray jump ends the run */
	for (unsigned i = 0; i < 0x400; i++)
		m[i] = 0;
	m[13 * 4 + 0] = HANDLER & 0xFF; /* IVT 13: 0000:0900 */
	m[13 * 4 + 1] = HANDLER >> 8;
	static const uint8_t code[] = { 0x66, 0xB9, BAD_MSR & 0xFF, (BAD_MSR >> 8) & 0xFF,
					(BAD_MSR >> 16) & 0xFF, BAD_MSR >> 24, /* mov ecx, BAD_MSR */
					0x0F, 0x32,                            /* rdmsr */
					0xF4 };                                /* hlt */
	for (unsigned i = 0; i < sizeof(code); i++)
		m[CODE + i] = code[i];
	vmm_check_st("share-page", "mv_vm_op_map_mdl", EXP_STATUS_SUCCESS,
		     vmm_map_range(vmid, p, 0, 0x1000, EXP_GPA_RWX),
		     "share the page at GPA 0 (IVT, code, stack) RWX");
	vmm_check_st("set-regs", "mv_vps_op_set_reg", EXP_STATUS_SUCCESS,
		     vmm_vps_set_reg(vpsid, EXP_REG_CS, 0) | vmm_vps_set_reg(vpsid, EXP_REG_CS_BASE, 0) |
			     vmm_vps_set_reg(vpsid, EXP_REG_RIP, CODE) |
			     vmm_vps_set_reg(vpsid, EXP_REG_RSP, STACK_TOP),
		     "CS 0 base 0, RIP 0x%x, SS:SP 0:0x%x (real mode)", CODE, STACK_TOP);

	uint64_t reason = ~0ull, arg = ~0ull, st = 0;
	for (unsigned i = 0; i < 1000; i++) {
		st = vmm_run_vp(vpid, &reason, &arg);
		if (st != EXP_STATUS_SUCCESS || reason != EXP_EXIT_EXTERNAL_INTERRUPT)
			break;
	}
	check_tok("run-hlt", "mv_vp_run_vp,mv_vp_exit_t_hlt", "hlt",
		  st != EXP_STATUS_SUCCESS ? vmm_status_name(st) :
		  reason == EXP_EXIT_HLT ? "hlt" : rt_fmt("%s-0x%llx", vmm_exit_name(reason),
							  (unsigned long long)arg),
		  st == EXP_STATUS_SUCCESS && reason == EXP_EXIT_HLT,
		  "the run ends at the #GP handler's HLT (IF = 0)");
	uint64_t rip = ~0ull, rsp = ~0ull;
	vmm_vps_get_reg(vpsid, EXP_REG_RIP, &rip);
	vmm_vps_get_reg(vpsid, EXP_REG_RSP, &rsp);
	check_eq("rip-handler", "mv_vp_run_vp,mv_vps_op_get_reg", HANDLER + 1, rip,
		 "RIP is past the handler's HLT: the #GP went through IVT entry 13");
	check_eq("frame-size", "mv_vp_run_vp,mv_vps_op_get_reg", STACK_TOP - 6, rsp,
		 "SP is 6 below its start: FLAGS, CS, IP, no error code");
	uint16_t ip = (uint16_t)(m[STACK_TOP - 6] | (m[STACK_TOP - 5] << 8));
	uint16_t cs = (uint16_t)(m[STACK_TOP - 4] | (m[STACK_TOP - 3] << 8));
	uint16_t fl = (uint16_t)(m[STACK_TOP - 2] | (m[STACK_TOP - 1] << 8));
	check_eq("frame-ip", "mv_vp_run_vp", CODE + 6, ip, "the frame's IP is the RDMSR's (a fault)");
	check_eq("frame-cs", "mv_vp_run_vp", 0, cs, "the frame's CS is 0");
	check_eq("frame-flags", "mv_vp_run_vp", 0x2, fl, "the frame's FLAGS are 0x0002");

	check_eq("destroy", "mv_vm_op_destroy_vm,MV_STATUS_SUCCESS", EXP_STATUS_SUCCESS,
		 vmm_vps_destroy(vpsid) | vmm_vp_destroy(vpid) | vmm_vm_destroy(vmid),
		 "the guest is destroyed");
}
