/*
 * idtgate: INT 31 at a known address, for the probe's expected #GP/#NP
 * (raised while the processor delivers through gate 31: RIP at the INT)
 * and its delivery (gate 31 valid: RIP after the INT).
 */
	.text
	.globl ig_int31, ig_int31_insn, ig_int31_resume
ig_int31:
ig_int31_insn:
	int $31
ig_int31_resume:
	ret
