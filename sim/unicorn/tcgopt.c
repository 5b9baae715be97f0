/*
 * Translation without TCG's optimizer pass, for the statically linked
 * Unicorn 2.0.1 (docs/performance.md "mvsim, stop 14"; sim/README.md fact 17).
 *
 * tcg_gen_code (qemu/tcg/tcg.c) runs tcg_optimize on every translated block
 * under `#ifdef USE_TCG_OPTIMIZATIONS`: constant folding and copy
 * propagation over the block's ops, a pass QEMU builds without when that
 * macro is unset, so every later pass and backend takes unoptimized ops.
 * mvsim translates each run's code afresh, with a call to the code hook
 * before every guest instruction, and the pass walks the globals at each
 * call: 11% of an empty run's host instructions went to it, while the
 * blocks it improves run few times.  Measured with callgrind (sim-intel):
 * an empty run 29.5 -> 25.4 million instructions, xvio 1,241 -> 1,220
 * million, irqwin (guest loops of millions of iterations) 1,818 -> 1,809
 * million.  mvsim links with -Wl,--wrap=tcg_optimize_x86_64
 * (unicorn/CMakeLists.txt); tcg_gen_code is its only caller.
 */
struct TCGContext;

void __wrap_tcg_optimize_x86_64(struct TCGContext *s);

void __wrap_tcg_optimize_x86_64(struct TCGContext *s)
{
	(void)s;
}
