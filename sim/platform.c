/*
 * The platform the root VM sees through port I/O, the hypervisor console,
 * and the machine-wide stop state (isa-debug-exit, run budget, and
 * arch_halt: the hypervisor's panic ends the process).
 *
 *   COM1 0x3F8-0x3FF  THR write -> stdout (flushed per line); LSR (0x3FD)
 *                     reads 0x60 (transmitter empty); other registers read 0
 *   0xF4              QEMU isa-debug-exit: an OUT records the exit code and
 *                     stops the machine; mvsim exits with that code
 *   0x20-0x21, 0xA0-0xA1, 0x40-0x43, 0x61
 *                     the 8259 pair and the 8254 timer (rootirq.c)
 *   anything else     reads all ones, writes are ignored
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim.h"

#define COM1_BASE 0x3F8
#define COM1_LSR (COM1_BASE + 5)
#define DEBUG_EXIT_PORT 0xF4

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_int stop_reason = SIM_STOP_NONE;
static atomic_int exit_code = -1;
static atomic_uint_fast64_t exits;
static struct timespec t0;
static char budget_why[160];

static uint64_t now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)(t.tv_sec - t0.tv_sec) * 1000u +
	       (uint64_t)((t.tv_nsec - t0.tv_nsec) / 1000000);
}

void platform_init(void)
{
	clock_gettime(CLOCK_MONOTONIC, &t0);
}

static void out_bytes(const char *s, size_t len)
{
	pthread_mutex_lock(&out_lock);
	for (size_t i = 0; i < len; i++) {
		putchar((unsigned char)s[i]);
		if (s[i] == '\n')
			fflush(stdout);
	}
	pthread_mutex_unlock(&out_lock);
}

void platform_flush(void)
{
	pthread_mutex_lock(&out_lock);
	fflush(stdout);
	pthread_mutex_unlock(&out_lock);
}

void arch_console_write(const char *s, size_t len)
{
	out_bytes(s, len);
}

uint32_t platform_io_in(uint16_t port, int size)
{
	if (port == COM1_LSR)
		return 0x60;
	if (port >= COM1_BASE && port <= COM1_BASE + 7)
		return 0;
	if (rootirq_port(port))
		return rootirq_io_in(port);
	return size == 1 ? 0xFF : size == 2 ? 0xFFFF : 0xFFFFFFFFu;
}

enum platform_out platform_io_out(uint16_t port, int size, uint32_t value)
{
	(void)size;
	if (port == COM1_BASE) {
		char c = (char)value;
		out_bytes(&c, 1);
		return PLATFORM_OUT_DONE;
	}
	if (port == DEBUG_EXIT_PORT) {
		int expected = -1;
		atomic_compare_exchange_strong(&exit_code, &expected, (int)(value & 0xFF));
		platform_request_stop(SIM_STOP_DEBUG_EXIT);
		return PLATFORM_OUT_STOP;
	}
	if (rootirq_port(port) && rootirq_io_out(port, (uint8_t)value))
		return PLATFORM_OUT_IRQ;
	return PLATFORM_OUT_DONE;
}

enum sim_stop platform_stop_reason(void)
{
	return (enum sim_stop)atomic_load(&stop_reason);
}

void platform_request_stop(enum sim_stop why)
{
	int expected = SIM_STOP_NONE;
	atomic_compare_exchange_strong(&stop_reason, &expected, (int)why);
}

int platform_debug_exit_code(void)
{
	return atomic_load(&exit_code);
}

bool platform_budget_ok(void)
{
	uint64_t n = atomic_fetch_add(&exits, 1) + 1;

	if (platform_stop_reason() == SIM_STOP_BUDGET)
		return false;
	if (n > g_cfg.max_exits) {
		snprintf(budget_why, sizeof(budget_why), "exit budget exhausted (%llu exits, --max-exits %llu)",
			 (unsigned long long)n - 1, (unsigned long long)g_cfg.max_exits);
		platform_request_stop(SIM_STOP_BUDGET);
		return false;
	}
	uint64_t ms = now_ms();
	if (ms > g_cfg.timeout_ms) {
		snprintf(budget_why, sizeof(budget_why), "timeout after %llu ms (--timeout-ms %llu)",
			 (unsigned long long)ms, (unsigned long long)g_cfg.timeout_ms);
		platform_request_stop(SIM_STOP_BUDGET);
		return false;
	}
	return true;
}

const char *platform_budget_why(void)
{
	return budget_why;
}

HV_NORETURN void arch_halt(void)
{
	platform_flush();
	fprintf(stderr, "mvsim: hypervisor panic on pp %u (arch_halt)\n", arch_pp_id());
	exit(SIM_EXIT_HV_FAILED);
}
