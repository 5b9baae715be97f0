/*
 * Decoding of the x86 event-injection word (x86/event.h), for handing an
 * undelivered event back to the core (arch_vps_take_event on SVM and VMX).
 */
#include <x86/event.h>

bool x86_event_decode(uint32_t info, uint32_t error, struct hv_event *ev)
{
	*ev = (struct hv_event){ .vector = (uint8_t)info };
	switch (info & X86_EVENT_TYPE_MASK) {
	case 0u << 8:
		ev->type = HV_EVENT_EXTINT;
		return true;
	case 2u << 8:
		ev->type = HV_EVENT_NMI;
		ev->vector = 2;
		return true;
	case 3u << 8:
		ev->type = HV_EVENT_EXCEPTION;
		ev->has_error = (info & X86_EVENT_ERR_VALID) ? 1 : 0;
		ev->error = ev->has_error ? error : 0;
		return true;
	default:
		return false;
	}
}
