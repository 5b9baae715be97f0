/*
 * MicroV ABI: bf_reg_t, the register enumeration (spec 1.6.3, "TBD" in the
 * seed; defined by this project, see docs/spec-errata.md E-09).
 *
 * The values are part of the ABI: mv_vps_op_get_reg/set_reg take them in
 * REG2.  0 is deliberately "unsupported" so that an uninitialised value is
 * rejected, and the list only ever grows at the end (before
 * bf_reg_t_invalid, which moves).
 */
#ifndef MICROV_MV_REG_H
#define MICROV_MV_REG_H

enum bf_reg_t {
	bf_reg_t_unsupported = 0,
	bf_reg_t_rax = 1,
	bf_reg_t_rbx = 2,
	bf_reg_t_rcx = 3,
	bf_reg_t_rdx = 4,
	bf_reg_t_rbp = 5,
	bf_reg_t_rsi = 6,
	bf_reg_t_rdi = 7,
	bf_reg_t_r8 = 8,
	bf_reg_t_r9 = 9,
	bf_reg_t_r10 = 10,
	bf_reg_t_r11 = 11,
	bf_reg_t_r12 = 12,
	bf_reg_t_r13 = 13,
	bf_reg_t_r14 = 14,
	bf_reg_t_r15 = 15,
	bf_reg_t_rsp = 16,
	bf_reg_t_rip = 17,
	bf_reg_t_rflags = 18,
	bf_reg_t_gdtr_base = 19,
	bf_reg_t_gdtr_limit = 20,
	bf_reg_t_idtr_base = 21,
	bf_reg_t_idtr_limit = 22,
	bf_reg_t_es = 23,
	bf_reg_t_es_base = 24,
	bf_reg_t_es_limit = 25,
	bf_reg_t_es_attrib = 26,
	bf_reg_t_cs = 27,
	bf_reg_t_cs_base = 28,
	bf_reg_t_cs_limit = 29,
	bf_reg_t_cs_attrib = 30,
	bf_reg_t_ss = 31,
	bf_reg_t_ss_base = 32,
	bf_reg_t_ss_limit = 33,
	bf_reg_t_ss_attrib = 34,
	bf_reg_t_ds = 35,
	bf_reg_t_ds_base = 36,
	bf_reg_t_ds_limit = 37,
	bf_reg_t_ds_attrib = 38,
	bf_reg_t_fs = 39,
	bf_reg_t_fs_base = 40,
	bf_reg_t_fs_limit = 41,
	bf_reg_t_fs_attrib = 42,
	bf_reg_t_gs = 43,
	bf_reg_t_gs_base = 44,
	bf_reg_t_gs_limit = 45,
	bf_reg_t_gs_attrib = 46,
	bf_reg_t_ldtr = 47,
	bf_reg_t_ldtr_base = 48,
	bf_reg_t_ldtr_limit = 49,
	bf_reg_t_ldtr_attrib = 50,
	bf_reg_t_tr = 51,
	bf_reg_t_tr_base = 52,
	bf_reg_t_tr_limit = 53,
	bf_reg_t_tr_attrib = 54,
	bf_reg_t_cr0 = 55,
	bf_reg_t_cr2 = 56,
	bf_reg_t_cr3 = 57,
	bf_reg_t_cr4 = 58,
	bf_reg_t_cr8 = 59,
	bf_reg_t_dr6 = 60,
	bf_reg_t_dr7 = 61,
	bf_reg_t_efer = 62,
	bf_reg_t_invalid = 63
};

/*
 * Segment attributes (bf_reg_t_*_attrib) use the VMX "access rights" layout
 * in bits 15:0: type 3:0, S 4, DPL 6:5, P 7, AVL 12, L 13, D/B 14, G 15, and
 * bit 16 "unusable".  The SVM backend converts to and from its packed form.
 */
#define MV_SEG_ATTRIB_UNUSABLE 0x10000u

#endif /* MICROV_MV_REG_H */
