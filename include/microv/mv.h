/*
 * MicroV hypercall ABI (spec Mv#1) — umbrella header.
 *
 *   mv_abi.h        constants, structures, enumerations, bit fields  \
 *   mv_reg.h        bf_reg_t, the register enumeration                 | generated from
 *   mv_catalog.h    the item catalogue (hypercalls, status codes, CPUID | abi/mv-abi.toml
 *                   leaves, exit reasons) the conformance matrix is    | into build/include/
 *                   built on                                           / (docs/abi.md)
 *   mv_hypercall.h  inline wrappers (VMCALL on Intel, VMMCALL on AMD): this directory
 */
#ifndef MICROV_MV_H
#define MICROV_MV_H

#include <microv/mv_abi.h>
#include <microv/mv_catalog.h>
#include <microv/mv_hypercall.h>
#include <microv/mv_reg.h>

#endif /* MICROV_MV_H */
