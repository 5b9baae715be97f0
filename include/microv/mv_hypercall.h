/*
 * Inline hypercall wrappers for guests, one per hypercall of the ABI.
 *
 * The instruction: VMCALL on Intel, VMMCALL on AMD.  Define
 * MV_HYPERCALL_VMCALL or MV_HYPERCALL_VMMCALL to fix it at compile time;
 * otherwise it is chosen at run time from `mv_hypercall_vendor`, which the
 * guest sets once with mv_hypercall_detect() (CPUID leaf 0) and must define
 * in one translation unit with MV_HYPERCALL_DEFINE_VENDOR.
 *
 * Every wrapper validates its pointer arguments first, the way the spec's
 * mv_vp_run_vp sample does: a NULL pointer in C argument position n returns
 * MV_STATUS_INVALID_PARAMSn without making the hypercall.  Output pointers
 * are written only on success.
 */
#ifndef MICROV_MV_HYPERCALL_H
#define MICROV_MV_HYPERCALL_H

#include <microv/mv_abi.h>

#define MV_HYPERCALL_VENDOR_UNKNOWN 0
#define MV_HYPERCALL_VENDOR_INTEL 1
#define MV_HYPERCALL_VENDOR_AMD 2

#if !defined(MV_HYPERCALL_VMCALL) && !defined(MV_HYPERCALL_VMMCALL)
extern int mv_hypercall_vendor;
#define MV_HYPERCALL_DEFINE_VENDOR int mv_hypercall_vendor = MV_HYPERCALL_VENDOR_UNKNOWN
#endif

/* Reads the CPU vendor (CPUID leaf 0) and returns MV_HYPERCALL_VENDOR_*. */
static inline int mv_hypercall_detect(void)
{
	uint32_t eax = 0, ebx, ecx, edx;
	int vendor = MV_HYPERCALL_VENDOR_UNKNOWN;

	__asm__ volatile("cpuid" : "+a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx));
	if (ebx == 0x756E6547 && edx == 0x49656E69 && ecx == 0x6C65746E) /* GenuineIntel */
		vendor = MV_HYPERCALL_VENDOR_INTEL;
	else if (ebx == 0x68747541 && edx == 0x69746E65 && ecx == 0x444D4163) /* AuthenticAMD */
		vendor = MV_HYPERCALL_VENDOR_AMD;
#if !defined(MV_HYPERCALL_VMCALL) && !defined(MV_HYPERCALL_VMMCALL)
	mv_hypercall_vendor = vendor;
#endif
	return vendor;
}

/*
 * The raw hypercall: RAX in/out, REG0..REG5 (R10..R15) in/out.  Registers
 * the hypercall does not write keep their values.
 */
static inline uint64_t _mv_hypercall(uint64_t rax, uint64_t reg[6])
{
	register uint64_t r10 __asm__("r10") = reg[0];
	register uint64_t r11 __asm__("r11") = reg[1];
	register uint64_t r12 __asm__("r12") = reg[2];
	register uint64_t r13 __asm__("r13") = reg[3];
	register uint64_t r14 __asm__("r14") = reg[4];
	register uint64_t r15 __asm__("r15") = reg[5];

#if defined(MV_HYPERCALL_VMCALL)
	__asm__ volatile("vmcall"
			 : "+a"(rax), "+r"(r10), "+r"(r11), "+r"(r12), "+r"(r13), "+r"(r14),
			   "+r"(r15)
			 :
			 : "memory");
#elif defined(MV_HYPERCALL_VMMCALL)
	__asm__ volatile("vmmcall"
			 : "+a"(rax), "+r"(r10), "+r"(r11), "+r"(r12), "+r"(r13), "+r"(r14),
			   "+r"(r15)
			 :
			 : "memory");
#else
	if (mv_hypercall_vendor == MV_HYPERCALL_VENDOR_AMD)
		__asm__ volatile("vmmcall"
				 : "+a"(rax), "+r"(r10), "+r"(r11), "+r"(r12), "+r"(r13),
				   "+r"(r14), "+r"(r15)
				 :
				 : "memory");
	else
		__asm__ volatile("vmcall"
				 : "+a"(rax), "+r"(r10), "+r"(r11), "+r"(r12), "+r"(r13),
				   "+r"(r14), "+r"(r15)
				 :
				 : "memory");
#endif
	reg[0] = r10, reg[1] = r11, reg[2] = r12;
	reg[3] = r13, reg[4] = r14, reg[5] = r15;
	return rax;
}

/* RAX for a hypercall: signature and opcode (the _OP_VAL) plus index. */
#define MV_HYPERCALL_RAX(op_val, idx_val) ((uint64_t)(op_val) | (uint64_t)(idx_val))

static inline mv_status_t _mv_call(uint64_t op, uint64_t idx, uint64_t r0, uint64_t r1,
				   uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
				   uint64_t *out0, uint64_t *out1)
{
	uint64_t reg[6] = { r0, r1, r2, r3, r4, r5 };
	mv_status_t st = _mv_hypercall(MV_HYPERCALL_RAX(op, idx), reg);

	if (st == MV_STATUS_SUCCESS) {
		if (out0)
			*out0 = reg[0];
		if (out1)
			*out1 = reg[1];
	}
	return st;
}

/* ---- 6.8 debug ------------------------------------------------------------ */

static inline mv_status_t mv_debug_op_out(uint64_t const val1, uint64_t const val2)
{
	return _mv_call(MV_DEBUG_OP_VAL, MV_DEBUG_OP_OUT_IDX_VAL, val1, val2, 0, 0, 0, 0, MV_NULL,
			MV_NULL);
}

/* ---- 6.9 handles ---------------------------------------------------------- */

static inline mv_status_t mv_handle_op_open_handle(uint32_t const version,
						   struct mv_handle_t *const handle /* OUT */)
{
	if (MV_NULL == handle)
		return MV_STATUS_INVALID_PARAMS1;
	return _mv_call(MV_HANDLE_OP_VAL, MV_HANDLE_OP_OPEN_HANDLE_IDX_VAL, version, 0, 0, 0, 0, 0,
			&handle->hndl, MV_NULL);
}

static inline mv_status_t mv_handle_op_close_handle(struct mv_handle_t *const handle)
{
	if (MV_NULL == handle)
		return MV_STATUS_INVALID_PARAMS0;
	mv_status_t st = _mv_call(MV_HANDLE_OP_VAL, MV_HANDLE_OP_CLOSE_IDX_VAL, handle->hndl, 0, 0,
				  0, 0, 0, MV_NULL, MV_NULL);
	if (st == MV_STATUS_SUCCESS)
		handle->hndl = 0;
	return st;
}

/* ---- 6.10 VMs ------------------------------------------------------------- */

static inline mv_status_t mv_vm_op_create_vm(struct mv_handle_t const *const handle,
					     uint16_t *const vmid /* OUT */)
{
	uint64_t out = 0;

	if (MV_NULL == handle)
		return MV_STATUS_INVALID_PARAMS0;
	if (MV_NULL == vmid)
		return MV_STATUS_INVALID_PARAMS1;
	mv_status_t st = _mv_call(MV_VM_OP_VAL, MV_VM_OP_CREATE_VM_IDX_VAL, handle->hndl, 0, 0, 0,
				  0, 0, &out, MV_NULL);
	if (st == MV_STATUS_SUCCESS)
		*vmid = (uint16_t)out;
	return st;
}

static inline mv_status_t mv_vm_op_destroy_vm(struct mv_handle_t const *const handle,
					      uint16_t const vmid)
{
	if (MV_NULL == handle)
		return MV_STATUS_INVALID_PARAMS0;
	return _mv_call(MV_VM_OP_VAL, MV_VM_OP_DESTROY_VM_IDX_VAL, handle->hndl, vmid, 0, 0, 0, 0,
			MV_NULL, MV_NULL);
}

static inline mv_status_t mv_vm_op_vmid(struct mv_handle_t const *const handle,
					uint16_t *const vmid /* OUT */)
{
	uint64_t out = 0;

	if (MV_NULL == handle)
		return MV_STATUS_INVALID_PARAMS0;
	if (MV_NULL == vmid)
		return MV_STATUS_INVALID_PARAMS1;
	mv_status_t st = _mv_call(MV_VM_OP_VAL, MV_VM_OP_VMID_IDX_VAL, handle->hndl, 0, 0, 0, 0, 0,
				  &out, MV_NULL);
	if (st == MV_STATUS_SUCCESS)
		*vmid = (uint16_t)out;
	return st;
}

/* The three MDL calls take the GPAs of page-aligned MDLs (REG2/REG4 11:0 REVZ). */
static inline mv_status_t mv_vm_op_map_mdl(struct mv_handle_t const *const handle,
					   uint16_t const src_vmid, uint64_t const src_mdl_gpa,
					   uint16_t const dst_vmid, uint64_t const dst_mdl_gpa,
					   uint64_t const flags)
{
	if (MV_NULL == handle)
		return MV_STATUS_INVALID_PARAMS0;
	return _mv_call(MV_VM_OP_VAL, MV_VM_OP_MAP_MDL_IDX_VAL, handle->hndl, src_vmid,
			src_mdl_gpa, dst_vmid, dst_mdl_gpa, flags, MV_NULL, MV_NULL);
}

static inline mv_status_t mv_vm_op_unmap_mdl(struct mv_handle_t const *const handle,
					     uint16_t const src_vmid, uint64_t const src_mdl_gpa,
					     uint16_t const dst_vmid, uint64_t const dst_mdl_gpa)
{
	if (MV_NULL == handle)
		return MV_STATUS_INVALID_PARAMS0;
	return _mv_call(MV_VM_OP_VAL, MV_VM_OP_UNMAP_MDL_IDX_VAL, handle->hndl, src_vmid,
			src_mdl_gpa, dst_vmid, dst_mdl_gpa, 0, MV_NULL, MV_NULL);
}

static inline mv_status_t mv_vm_op_set_gpa_flags_mdl(struct mv_handle_t const *const handle,
						     uint16_t const src_vmid,
						     uint64_t const src_mdl_gpa,
						     uint16_t const dst_vmid,
						     uint64_t const dst_mdl_gpa,
						     uint64_t const flags)
{
	if (MV_NULL == handle)
		return MV_STATUS_INVALID_PARAMS0;
	return _mv_call(MV_VM_OP_VAL, MV_VM_OP_SET_GPA_FLAGS_MDL_IDX_VAL, handle->hndl, src_vmid,
			src_mdl_gpa, dst_vmid, dst_mdl_gpa, flags, MV_NULL, MV_NULL);
}

/* ---- 6.11 VPs ------------------------------------------------------------- */

static inline mv_status_t mv_vp_op_create_vp(struct mv_handle_t const *const handle,
					     uint16_t const vmid, uint16_t *const vpid /* OUT */)
{
	uint64_t out = 0;

	if (MV_NULL == handle)
		return MV_STATUS_INVALID_PARAMS0;
	if (MV_NULL == vpid)
		return MV_STATUS_INVALID_PARAMS2;
	mv_status_t st = _mv_call(MV_VP_OP_VAL, MV_VP_OP_CREATE_VP_IDX_VAL, handle->hndl, vmid, 0,
				  0, 0, 0, &out, MV_NULL);
	if (st == MV_STATUS_SUCCESS)
		*vpid = (uint16_t)out;
	return st;
}

static inline mv_status_t mv_vp_op_destroy_vp(struct mv_handle_t const *const handle,
					      uint16_t const vpid)
{
	if (MV_NULL == handle)
		return MV_STATUS_INVALID_PARAMS0;
	return _mv_call(MV_VP_OP_VAL, MV_VP_OP_DESTROY_VP_IDX_VAL, handle->hndl, vpid, 0, 0, 0, 0,
			MV_NULL, MV_NULL);
}

static inline mv_status_t mv_vp_op_vmid(struct mv_handle_t const *const handle,
					uint16_t const vpid, uint16_t *const vmid /* OUT */)
{
	uint64_t out = 0;

	if (MV_NULL == handle)
		return MV_STATUS_INVALID_PARAMS0;
	if (MV_NULL == vmid)
		return MV_STATUS_INVALID_PARAMS2;
	mv_status_t st = _mv_call(MV_VP_OP_VAL, MV_VP_OP_VMID_IDX_VAL, handle->hndl, vpid, 0, 0,
				  0, 0, &out, MV_NULL);
	if (st == MV_STATUS_SUCCESS)
		*vmid = (uint16_t)out;
	return st;
}

static inline mv_status_t mv_vp_op_vpid(struct mv_handle_t const *const handle,
					uint16_t *const vpid /* OUT */)
{
	uint64_t out = 0;

	if (MV_NULL == handle)
		return MV_STATUS_INVALID_PARAMS0;
	if (MV_NULL == vpid)
		return MV_STATUS_INVALID_PARAMS1;
	mv_status_t st = _mv_call(MV_VP_OP_VAL, MV_VP_OP_VPID_IDX_VAL, handle->hndl, 0, 0, 0, 0,
				  0, &out, MV_NULL);
	if (st == MV_STATUS_SUCCESS)
		*vpid = (uint16_t)out;
	return st;
}

/* ---- 6.13 run ------------------------------------------------------------- */

static inline mv_status_t mv_vp_run_vp(struct mv_handle_t const *const handle, /* IN */
				       uint64_t const vpid,                    /* IN */
				       uint64_t *const reason,                 /* OUT */
				       uint64_t *const arg)                    /* OUT */
{
	if (MV_NULL == handle)
		return MV_STATUS_INVALID_PARAMS0;
	if (MV_NULL == reason)
		return MV_STATUS_INVALID_PARAMS2;
	if (MV_NULL == arg)
		return MV_STATUS_INVALID_PARAMS3;
	return _mv_call(MV_VP_MANAGEMENT_OP_VAL, MV_VP_MANAGEMENT_OP_RUN_VP_IDX_VAL, handle->hndl,
			vpid, 0, 0, 0, 0, reason, arg);
}

#endif /* MICROV_MV_HYPERCALL_H */
