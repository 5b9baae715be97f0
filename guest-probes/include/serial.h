/* COM1 output, polling LSR bit 5 (THR empty). */
#ifndef PROBE_SERIAL_H
#define PROBE_SERIAL_H

#include <stdint.h>

#define COM1_PORT 0x3F8

void serial_putc(char c);
void serial_write(const char *s, uint64_t n);
void serial_puts(const char *s);
/* Waits (bounded) until the UART has sent everything: LSR bit 6 (TEMT). */
void serial_flush(void);
/* How many characters were sent after LSR never reported THR empty. */
uint64_t serial_poll_timeouts(void);

#endif /* PROBE_SERIAL_H */
