/*
 * COM1 (0x3F8), 115200 8N1, polled.  The root VM's own port I/O to COM1
 * is not intercepted, so the hypervisor and the root OS write the same
 * port; the core writes whole lines under its console lock.  With the
 * 16550's 16-byte transmit FIFO on, one LSR read lets TX_BURST bytes out
 * (THRE set: the FIFO is empty); without a FIFO (IIR bits 7:6 clear) one
 * byte per LSR read.
 */
#include <stdarg.h>

#include <x86/boot.h>
#include <x86/cpu.h>

#include <hv/arch/arch.h>
#include <hv/arch/core.h>

#define COM1 0x3F8
#define LSR_THRE 0x20
#define IIR_FIFO_ON 0xC0
/* Half the FIFO: a root OS that saw THRE set as well may add its byte. */
#define TX_BURST 8

static unsigned tx_burst = 1;

void serial_init(void)
{
	outb(COM1 + 1, 0x00); /* no interrupts */
	outb(COM1 + 3, 0x80); /* DLAB */
	outb(COM1 + 0, 0x01); /* 115200 */
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03); /* 8N1 */
	outb(COM1 + 2, 0xC7); /* FIFO on, cleared */
	outb(COM1 + 4, 0x03); /* DTR | RTS, OUT2 off: no IRQ */
	tx_burst = (inb(COM1 + 2) & IIR_FIFO_ON) == IIR_FIFO_ON ? TX_BURST : 1;
}

static void serial_wait_thre(void)
{
	/* Bounded: a missing UART must not hang the hypervisor. */
	for (unsigned i = 0; i < 100000 && !(inb(COM1 + 5) & LSR_THRE); i++)
		cpu_relax();
}

void serial_write_raw(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (i % tx_burst == 0)
			serial_wait_thre();
		outb(COM1, (uint8_t)s[i]);
	}
}

void arch_console_write(const char *s, size_t len)
{
	serial_write_raw(s, len);
}

void serial_printf_raw(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	int n = hv_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	serial_write_raw(buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}
