/*
 * The x86 event-injection word both backends use (SVM EVENTINJ, VMX VM-entry
 * interruption information: vector [7:0], type [10:8], error-code valid [11],
 * valid [31]) <-> struct hv_event (common/event.c).
 */
#ifndef X86_EVENT_H
#define X86_EVENT_H

#include <hv/arch/exit.h>

#define X86_EVENT_VALID (1u << 31)
#define X86_EVENT_ERR_VALID (1u << 11)
#define X86_EVENT_TYPE_MASK (7u << 8)

/* Decode a valid word (its error code apart) into *ev; false for a type the
 * core does not queue (software interrupts and exceptions). */
bool x86_event_decode(uint32_t info, uint32_t error, struct hv_event *ev);

#endif /* X86_EVENT_H */
