/* The AP trampoline of the smproot probe (the first AP calls rootstopall's
 * ap_die on its own stack: tr_call, tr_stack). */
#include "../smproot/tramp.S"
