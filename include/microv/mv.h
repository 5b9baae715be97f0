/*
 * MicroV hypercall ABI (spec Mv#1) — umbrella header.
 *
 *   mv_abi.h        constants, structures, enumerations, bit fields  \
 *   mv_reg.h        bf_reg_t, the register enumeration                 | generated from
 *   mv_catalog.h    the item catalogue (hypercalls, status codes, CPUID | abi/mv-abi.toml
 *                   leaves, exit reasons) the conformance matrix is    | into build/include/
 *                   built on, and hv/core's decode table               | (docs/abi.md)
 *   mv_wrappers.h   inline wrappers, one per hypercall                 /
 *   mv_hypercall.h  the raw call (VMCALL on Intel, VMMCALL on AMD) and
 *                   the vendor choice, then mv_wrappers.h: this directory
 */
#ifndef MICROV_MV_H
#define MICROV_MV_H

#include <microv/mv_abi.h>
#include <microv/mv_catalog.h>
#include <microv/mv_hypercall.h>
#include <microv/mv_reg.h>

#endif /* MICROV_MV_H */
