/*
 * DR0-DR3 switched around guest VM runs (x86/dr.h): the root's are read
 * and the guest's loaded before the entry, the guest's saved and the
 * root's loaded back after the exit.  Eight MOV DR each way per guest run;
 * the root's own runs (its hypercalls) switch nothing.
 */
#include <x86/dr.h>

static void dr_read(uint64_t v[4])
{
	__asm__ volatile("mov %%dr0, %0" : "=r"(v[0]));
	__asm__ volatile("mov %%dr1, %0" : "=r"(v[1]));
	__asm__ volatile("mov %%dr2, %0" : "=r"(v[2]));
	__asm__ volatile("mov %%dr3, %0" : "=r"(v[3]));
}

static void dr_write(const uint64_t v[4])
{
	__asm__ volatile("mov %0, %%dr0" : : "r"(v[0]));
	__asm__ volatile("mov %0, %%dr1" : : "r"(v[1]));
	__asm__ volatile("mov %0, %%dr2" : : "r"(v[2]));
	__asm__ volatile("mov %0, %%dr3" : : "r"(v[3]));
}

void x86_dr_guest_enter(const uint64_t guest[4], uint64_t root[4])
{
	dr_read(root);
	dr_write(guest);
}

void x86_dr_guest_leave(uint64_t guest[4], const uint64_t root[4])
{
	dr_read(guest);
	dr_write(root);
}
