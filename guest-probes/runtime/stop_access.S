/*
 * Memory accesses at known addresses, for the probes that end at an
 * EXPECT-STOP (include/stop_access.h): the access is each function's first
 * instruction, so the function's address is the RIP the hypervisor's stop
 * line must name (probe_expect_stop's struct probe_stop).
 *
 * uint64_t rt_stop_load64(const volatile uint64_t *p);    48 8B 07
 * void rt_stop_store64(volatile uint64_t *p, uint64_t v); 48 89 37
 * void rt_stop_store32(volatile uint32_t *p, uint32_t v); 89 37
 * void rt_stop_store8_1(volatile uint8_t *p);             C6 07 01 (stores 1)
 */
	.text
	.code64

	.globl rt_stop_load64, rt_stop_store64, rt_stop_store32, rt_stop_store8_1
	.balign 16
rt_stop_load64:
	movq (%rdi), %rax
	ret

	.balign 16
rt_stop_store64:
	movq %rsi, (%rdi)
	ret

	.balign 16
rt_stop_store32:
	movl %esi, (%rdi)
	ret

	.balign 16
rt_stop_store8_1:
	movb $1, (%rdi)
	ret
