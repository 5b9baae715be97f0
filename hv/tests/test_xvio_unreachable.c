/*
 * receive_message into a page the backend cannot reach (issue 17, the
 * mutxvio part of stop 14).  The page passes the core's checks (page
 * aligned, below 2^47, the caller's and writable), so only the backend's
 * arch_spa_to_hva (wrapped here: fake_unreachable.c) can refuse it; no
 * guest can make that happen, which is why no probe covers it.  The call
 * is PARAMS2 (the REG2 it names) and consumes nothing: the message is
 * still the first in the queue.  `test_xvio_unreachable NAME`.
 */
#include <stddef.h>

#include <microv/mv.h>

#include <hv/mm.h>
#include <hv/vm.h>
#include <hv/vps.h>

#include "fake_arch.h"
#include "fake_unreachable.h"
#include "test_main.h"

#define RECV_GPA 0x500000ull /* root RAM: the receive page */
#define RECV_OK_GPA 0x501000ull
#define CODE 0x1234u

static struct hv_vps *root_vps;
static uint64_t handle;

static uint64_t xcall(uint64_t idx, uint64_t r1, uint64_t r2, uint64_t r3, uint64_t *out0)
{
	uint64_t regs[6] = { handle, r1, r2, r3, 0, 0 };
	uint64_t st = fake_hypercall(root_vps, MV_XVIO_OP_VAL | idx, regs);
	if (out0)
		*out0 = regs[0];
	return st;
}

static void test_receive_unreachable(void)
{
	const uint64_t svc = MV_XVIO_SERVICE_VM, host = MV_XVIO_PARTITION_HOSTOS;
	uint64_t regs[6] = { MV_SPEC_ID1_VAL, 0, 0, 0, 0, 0 }, left = ~0ull, code = 0;

	root_vps = fake_boot_default();
	EXPECT_EQ(fake_hypercall(root_vps, MV_HANDLE_OP_VAL | MV_HANDLE_OP_OPEN_HANDLE_IDX_VAL, regs),
		  MV_STATUS_SUCCESS);
	handle = regs[0];
	EXPECT_EQ(xcall(MV_XVIO_OP_INITIALIZE_IDX_VAL, svc, 0, 0, NULL), MV_STATUS_SUCCESS);
	EXPECT_EQ(xcall(MV_XVIO_OP_POST_MESSAGE_IDX_VAL, svc, host, CODE, NULL), MV_STATUS_SUCCESS);

	fake_unreachable_spa = RECV_GPA;
	EXPECT_EQ(xcall(MV_XVIO_OP_RECEIVE_MESSAGE_IDX_VAL, svc, RECV_GPA, 0, NULL),
		  MV_STATUS_INVALID_PARAMS2);
	fake_unreachable_spa = 0;
	EXPECT_EQ(xcall(MV_XVIO_OP_RECEIVE_MESSAGE_IDX_VAL, svc, RECV_OK_GPA, 0, &left),
		  MV_STATUS_SUCCESS);
	EXPECT_EQ(left, 0);
	EXPECT_EQ(mm_read(vm_get(0), RECV_OK_GPA + offsetof(struct mv_xvio_message_t, code), &code,
			  sizeof(((struct mv_xvio_message_t *)0)->code)),
		  0);
	EXPECT_EQ(code, CODE);
	EXPECT_EQ(xcall(MV_XVIO_OP_RECEIVE_MESSAGE_IDX_VAL, svc, RECV_OK_GPA, 0, NULL),
		  MV_STATUS_XVIO_NO_MESSAGE);
}

static const struct test_case tests[] = {
	{ "receive_unreachable", test_receive_unreachable },
};

TEST_MAIN("test_xvio_unreachable", tests)
