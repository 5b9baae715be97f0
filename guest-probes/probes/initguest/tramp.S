/* The AP trampoline of the smproot probe (the first AP calls initguest's
 * ap_main on its own stack: tr_call, tr_stack). */
#include "../smproot/tramp.S"
