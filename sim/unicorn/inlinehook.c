/*
 * The code hook's call, emitted without registering it again, for the
 * statically linked Unicorn 2.0.1 (docs/performance.md "mvsim, stop 14";
 * sim/README.md fact 17).
 *
 * With one UC_HOOK_CODE hook, gen_uc_tracecode (qemu/include/tcg/tcg-op.h)
 * emits a direct call of the hook before every translated guest
 * instruction through uc->add_inline_hook = uc_add_inline_hook
 * (qemu/tcg/tcg.c), which each time allocates a TCGHelperInfo and a name,
 * formats the name with snprintf, inserts the info into the context's
 * helper_table and custom_helper_infos (freeing the one it replaces) and
 * then calls tcg_gen_callN, which only looks the info up by the function's
 * address.  That was 2,000 host instructions per translated instruction,
 * 8% of an empty run.  The info it inserts is the same every time for one
 * context, callback and hook type, so after the first registration the
 * call alone is emitted here: tcg_gen_callN with the callback.
 *
 * The context being translated for comes from tcg_func_start, which
 * tb_gen_code calls first for every block (on the translating thread).
 * What was registered is remembered per context in a small table; a slot
 * is forgotten when a context is initialised (a new engine may reuse a
 * freed one's address) and all are when an inline hook is deleted.  A miss
 * takes Unicorn's path, which registers again: only the cost changes.
 * mvsim links with -Wl,--wrap for uc_add_inline_hook_x86_64,
 * uc_del_inline_hook_x86_64 (both reached through function pointers that
 * translate-all.c stores), tcg_func_start_x86_64 and tcg_context_init_x86_64
 * (called from translate-all.c) (unicorn/CMakeLists.txt).
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

struct uc_struct;
struct TCGContext;
struct TCGTemp;

/* The head of Unicorn 2.0.1's struct hook (include/uc_priv.h), up to the
 * callback. */
struct uc_hook_head {
	int type, insn, refs, op, op_flags;
	bool to_delete;
	uint64_t begin, end;
	void *callback;
};

void __real_uc_add_inline_hook_x86_64(struct uc_struct *uc, struct uc_hook_head *hk, void **args,
				      int args_len);
void __real_uc_del_inline_hook_x86_64(struct uc_struct *uc, struct uc_hook_head *hk);
void __real_tcg_func_start_x86_64(struct TCGContext *s);
void __real_tcg_context_init_x86_64(struct TCGContext *s);
void tcg_gen_callN_x86_64(struct TCGContext *s, void *func, struct TCGTemp *ret, int nargs,
			  struct TCGTemp **args);

void __wrap_uc_add_inline_hook_x86_64(struct uc_struct *uc, struct uc_hook_head *hk, void **args,
				      int args_len);
void __wrap_uc_del_inline_hook_x86_64(struct uc_struct *uc, struct uc_hook_head *hk);
void __wrap_tcg_func_start_x86_64(struct TCGContext *s);
void __wrap_tcg_context_init_x86_64(struct TCGContext *s);

#define SLOTS 256u

static struct registered {
	const struct TCGContext *ctx;
	const void *callback;
	int type;
} slots[SLOTS];
static pthread_mutex_t slots_lock = PTHREAD_MUTEX_INITIALIZER;
static __thread struct TCGContext *translating;

static struct registered *slot_of(const struct TCGContext *s)
{
	return &slots[((uintptr_t)s >> 6) % SLOTS];
}

void __wrap_tcg_func_start_x86_64(struct TCGContext *s)
{
	translating = s;
	__real_tcg_func_start_x86_64(s);
}

void __wrap_tcg_context_init_x86_64(struct TCGContext *s)
{
	pthread_mutex_lock(&slots_lock);
	if (slot_of(s)->ctx == s)
		slot_of(s)->ctx = NULL;
	pthread_mutex_unlock(&slots_lock);
	__real_tcg_context_init_x86_64(s);
}

void __wrap_uc_del_inline_hook_x86_64(struct uc_struct *uc, struct uc_hook_head *hk)
{
	pthread_mutex_lock(&slots_lock);
	memset(slots, 0, sizeof(slots));
	pthread_mutex_unlock(&slots_lock);
	__real_uc_del_inline_hook_x86_64(uc, hk);
}

void __wrap_uc_add_inline_hook_x86_64(struct uc_struct *uc, struct uc_hook_head *hk, void **args,
				      int args_len)
{
	struct TCGContext *s = translating;
	bool known = false;

	pthread_mutex_lock(&slots_lock);
	struct registered *r = s ? slot_of(s) : NULL;
	if (r)
		known = r->ctx == s && r->callback == hk->callback && r->type == hk->type;
	pthread_mutex_unlock(&slots_lock);
	if (known) {
		tcg_gen_callN_x86_64(s, hk->callback, NULL, args_len, (struct TCGTemp **)args);
		return;
	}
	__real_uc_add_inline_hook_x86_64(uc, hk, args, args_len);
	if (!r)
		return;
	pthread_mutex_lock(&slots_lock);
	*r = (struct registered){ s, hk->callback, hk->type };
	pthread_mutex_unlock(&slots_lock);
}
