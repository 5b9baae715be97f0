/* The multiboot v1 information the loader passed (EBX at entry). */
#ifndef PROBE_MULTIBOOT_H
#define PROBE_MULTIBOOT_H

#include <stdbool.h>
#include <stdint.h>

/* The specification's structures (struct mb_info, mb_module, mb_mmap_entry,
 * MB_INFO_*): one definition for the hypervisor and the probes.  Included by
 * path, so that the probes' include path does not reach the ABI headers
 * next to it in include/ (the probes keep their own expectations). */
#include "../../include/multiboot/multiboot.h"

extern uint32_t rt_mb_magic; /* EAX at entry */
extern uint32_t rt_mb_info;  /* EBX at entry */

const struct mb_info *mb_info(void); /* NULL if the magic was wrong */
const char *mb_cmdline(void);        /* "" when there is none */
/* Value of "key=value" in the command line (copied into buf), or NULL;
 * a bare "key" gives "". */
const char *mb_cmdline_get(const char *key, char *buf, uint64_t size);
bool mb_cmdline_has(const char *key);

#endif /* PROBE_MULTIBOOT_H */
