/* Vendor detection and the hypercall primitive (include/hypercall.h). */
#include "cpu.h"
#include "expect.h"
#include "fmt.h"
#include "hypercall.h"
#include "report.h"

extern char rt_vmcall_insn[], rt_vmcall_resume[];
extern char rt_vmmcall_insn[], rt_vmmcall_resume[];

static enum hc_vendor vendor;
static char vendor_str[13];

void hc_init(void)
{
	struct cpuid_regs r = cpuid1(0);

	memcpy(vendor_str + 0, &r.ebx, 4);
	memcpy(vendor_str + 4, &r.edx, 4);
	memcpy(vendor_str + 8, &r.ecx, 4);
	vendor_str[12] = '\0';
	if (!rt_strcmp(vendor_str, "GenuineIntel"))
		vendor = HC_VENDOR_INTEL;
	else if (!rt_strcmp(vendor_str, "AuthenticAMD"))
		vendor = HC_VENDOR_AMD;
	else
		vendor = HC_VENDOR_UNKNOWN;
}

enum hc_vendor hc_vendor(void)
{
	return vendor;
}

const char *hc_vendor_string(void)
{
	return vendor_str;
}

enum hc_insn hc_native_insn(void)
{
	switch (vendor) {
	case HC_VENDOR_INTEL:
		return HC_VMCALL;
	case HC_VENDOR_AMD:
		return HC_VMMCALL;
	default:
		probe_error("CPU vendor '%s' is neither GenuineIntel nor AuthenticAMD: "
			    "no hypercall instruction", vendor_str);
	}
}

enum hc_insn hc_foreign_insn(void)
{
	return hc_native_insn() == HC_VMCALL ? HC_VMMCALL : HC_VMCALL;
}

const char *hc_insn_name(enum hc_insn insn)
{
	return insn == HC_VMCALL ? "vmcall" : "vmmcall";
}

uintptr_t hc_insn_addr(enum hc_insn insn)
{
	return (uintptr_t)(insn == HC_VMCALL ? rt_vmcall_insn : rt_vmmcall_insn);
}

static uintptr_t hc_insn_resume(enum hc_insn insn)
{
	return (uintptr_t)(insn == HC_VMCALL ? rt_vmcall_resume : rt_vmmcall_resume);
}

uint64_t hc_call_insn(enum hc_insn insn, uint64_t rax, struct hc_regs *regs)
{
	const char *name = hc_name(rax);

	rt_set_context_items(name ? name : "MV_STATUS_FAILURE_UNSUPPORTED");
	return insn == HC_VMCALL ? rt_vmcall(rax, regs) : rt_vmmcall(rax, regs);
}

uint64_t hc_call(uint64_t rax, struct hc_regs *regs)
{
	return hc_call_insn(hc_native_insn(), rax, regs);
}

uint64_t hc_call_expect_ud(enum hc_insn insn, uint64_t rax, struct hc_regs *regs,
			   struct rt_exc *out)
{
	uint64_t r;

	rt_expect(EXP_VECTOR_UD, hc_insn_addr(insn), hc_insn_resume(insn));
	r = hc_call_insn(insn, rax, regs);
	rt_expect_take(out);
	return r;
}

/* Every hypercall of the description (expect_abi.h's EXP_HYPERCALLS):
 * full RAX, catalogue name, root-only, needs a handle. */
struct hc_entry {
	uint64_t rax;
	const char *name;
	uint8_t root_only, needs_handle;
};

static const struct hc_entry table[] = {
#define X(name, s) { EXP_HC_##s, #name, EXP_ROOT_ONLY_##s, EXP_NEEDS_HANDLE_##s },
	EXP_HYPERCALLS(X)
#undef X
};

#define HC_SELECT (EXP_HYPERCALL_OPCODE_NOSIG_MASK | EXP_HYPERCALL_INDEX_MASK)

const char *hc_name(uint64_t rax)
{
	/* The entry found last, tried first: a probe calls the same hypercall
	 * many times in a row, and every hc_call names its hypercall (the
	 * scan was most of the guest's work in the mdl probe on mvsim).  It
	 * holds only an entry the scan found first for its key, so the answer
	 * is the scan's. */
	static unsigned last;
	unsigned i;

	if ((rax >> 48) != EXP_HC_SIG || ((rax >> 32) & 0xFFFF & ~EXP_HC_FLAG_SCC))
		return 0;
	if ((table[last].rax & HC_SELECT) == (rax & HC_SELECT))
		return table[last].name;
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if ((table[i].rax & HC_SELECT) == (rax & HC_SELECT)) {
			last = i;
			return table[i].name;
		}
	return 0;
}

bool hc_opcode_known(uint16_t op)
{
	unsigned i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if ((uint16_t)(table[i].rax >> 16) == op)
			return true;
	return false;
}

static const struct hc_entry *hc_entry_of(const char *name)
{
	unsigned i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (!rt_strcmp(table[i].name, name))
			return &table[i];
	return 0;
}

uint64_t hc_rax_of(const char *name)
{
	const struct hc_entry *e = hc_entry_of(name);

	return e ? e->rax : ~0ull;
}

int hc_attrs_of(const char *name)
{
	const struct hc_entry *e = hc_entry_of(name);

	return e ? e->root_only | e->needs_handle << 1 : -1;
}
