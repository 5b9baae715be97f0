/*
 * abi-items: prints the ABI item catalogue of the generated mv_catalog.h
 * (build/include/microv/, from abi/mv-abi.toml) as JSON on stdout.  The
 * conformance matrix reads build/conformance/abi-items.json, which abi-gen
 * writes from the same description; ctest abi.items checks that this
 * program's output and the json agree, i.e. that the C header the
 * hypervisor and the probes compile is the list the matrix shows.
 *
 * Output:
 *   {"hypercall":   [{"name", "opcode", "index", "rax"}, ...],
 *    "status":      [{"name", "value"}, ...],
 *    "cpuid":       [{"name", "leaf", "register"}, ...],
 *    "exit_reason": [{"name", "value"}, ...]}
 * Numbers are hex strings ("0x..."), so 64-bit values survive any JSON reader.
 */
#include <inttypes.h>
#include <stdio.h>

#include <microv/mv_catalog.h>

static const char *sep(int *first)
{
	const char *s = *first ? "\n" : ",\n";
	*first = 0;
	return s;
}

static void group_begin(const char *name, int last_group_done)
{
	printf("%s  \"%s\": [", last_group_done ? ",\n" : "", name);
}

int main(void)
{
	int first;

	printf("{\n");

	group_begin("hypercall", 0);
	first = 1;
#define X(name, op, idx)                                                       \
	printf("%s    {\"name\": \"%s\", \"opcode\": \"0x%04" PRIx64              \
	       "\", \"index\": \"0x%04" PRIx64 "\", \"rax\": \"0x%016" PRIx64     \
	       "\"}",                                                          \
	       sep(&first), #name,                                             \
	       (uint64_t)(((uint64_t)(op) & MV_HYPERCALL_OPCODE_NOSIG_MASK) >> 16), \
	       (uint64_t)(idx), (uint64_t)((uint64_t)(op) | (uint64_t)(idx)));
	MV_CATALOG_HYPERCALLS(X)
#undef X
	printf("\n  ]");

	group_begin("status", 1);
	first = 1;
#define X(name, value)                                                         \
	printf("%s    {\"name\": \"%s\", \"value\": \"0x%016" PRIx64 "\"}",       \
	       sep(&first), #name, (uint64_t)(value));
	MV_CATALOG_STATUS(X)
#undef X
	printf("\n  ]");

	group_begin("cpuid", 1);
	first = 1;
#define X(name, leaf, reg)                                                     \
	printf("%s    {\"name\": \"%s\", \"leaf\": \"0x%08" PRIx32               \
	       "\", \"register\": \"%s\"}",                                    \
	       sep(&first), #name, (uint32_t)(leaf), #reg);
	MV_CATALOG_CPUID(X)
#undef X
	printf("\n  ]");

	group_begin("exit_reason", 1);
	first = 1;
#define X(name, value)                                                         \
	printf("%s    {\"name\": \"%s\", \"value\": \"0x%" PRIx64 "\"}",          \
	       sep(&first), #name, (uint64_t)(value));
	MV_CATALOG_EXIT_REASONS(X)
#undef X
	printf("\n  ]\n}\n");

	return 0;
}
