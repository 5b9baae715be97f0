/* 64-bit C entry: runtime setup, BEGIN, probe_main(), END. */
#include "exception.h"
#include "expect.h"
#include "hypercall.h"
#include "multiboot.h"
#include "report.h"

extern const char probe_name[];
extern const uint64_t rt_isr_table[32]; /* runtime/isr.S */
void probe_main(void);
void rt_main(uint32_t magic, uint32_t mbi);

void rt_main(uint32_t magic, uint32_t mbi)
{
	(void)mbi;
	rt_idt_init(rt_isr_table);
	hc_init();
	report_begin();
	if (magic != EXP_MB_LOADER_MAGIC)
		probe_error("not booted by a multiboot loader: EAX=0x%x at entry", magic);
	probe_main();
	report_end();
}
