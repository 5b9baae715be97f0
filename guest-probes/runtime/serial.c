/*
 * COM1 output by polling LSR bit 5.  The UART is left as the firmware or
 * hypervisor configured it (QEMU and mvsim need no setup).  The poll is
 * bounded so that a UART model that never reports THR empty cannot hang
 * the probe; such characters are counted.
 */
#include "cpu.h"
#include "serial.h"

#define LSR_THRE   0x20
#define LSR_TEMT   0x40
#define POLL_LIMIT 100000

static uint64_t poll_timeouts;

void serial_putc(char c)
{
	int i;

	for (i = 0; i < POLL_LIMIT; i++) {
		if (inb(COM1_PORT + 5) & LSR_THRE)
			break;
		__asm__ volatile("pause");
	}
	if (i == POLL_LIMIT)
		poll_timeouts++;
	outb(COM1_PORT, (uint8_t)c);
}

void serial_write(const char *s, uint64_t n)
{
	while (n--)
		serial_putc(*s++);
}

void serial_puts(const char *s)
{
	while (*s)
		serial_putc(*s++);
}

void serial_flush(void)
{
	int i;

	for (i = 0; i < POLL_LIMIT; i++) {
		if (inb(COM1_PORT + 5) & LSR_TEMT)
			return;
		__asm__ volatile("pause");
	}
	poll_timeouts++;
}

uint64_t serial_poll_timeouts(void)
{
	return poll_timeouts;
}
