/*
 * MicroV hypercall ABI (spec Mv#1) — umbrella header.
 *
 *   mv_abi.h        constants, structures, enumerations, bit fields
 *   mv_reg.h        bf_reg_t, the register enumeration
 *   mv_catalog.h    the item catalogue (hypercalls, status codes, CPUID
 *                   leaves, exit reasons) the conformance matrix is built on
 *   mv_hypercall.h  inline wrappers (VMCALL on Intel, VMMCALL on AMD)
 */
#ifndef MICROV_MV_H
#define MICROV_MV_H

#include <microv/mv_abi.h>
#include <microv/mv_catalog.h>
#include <microv/mv_hypercall.h>
#include <microv/mv_reg.h>

#endif /* MICROV_MV_H */
