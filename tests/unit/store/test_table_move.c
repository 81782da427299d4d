/*
 * test_table_move.c - which names in tmp/ are a rename's or drop's intent,
 * which vacuum and check must never remove as stale.  Moving, settling
 * and recovering work on a whole lake and are tested end to end, under
 * SIGKILL at every step, in tests/e2e/t-catalog-crash.sh.
 */
#include "store/table_move.h"
#include "t.h"

static void test_intent_names(void)
{
	static const char *const intents[] = {"move-1-2", "move-4242-1796691692773002"};
	static const char *const others[] = {"",
					     "move-",
					     "move-1",
					     "move-1-",
					     "move--2",
					     "move-0-2",
					     "move-1-2-3",
					     "move-x-2",
					     "move-1-2.tmp",
					     "drop-1-2",
					     "move",
					     "moved-1-2",
					     "part-20261208T010128637471Z-dd44aa09765a86a1.tmp",
					     ".",
					     "move-99999999999999999999-1"};

	for (size_t i = 0; i < sizeof intents / sizeof intents[0]; i++)
		CHECK(lake_table_move_is_intent(intents[i]));
	for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
		CHECK(!lake_table_move_is_intent(others[i]));
}

int main(void)
{
	T_RUN(test_intent_names);
	T_DONE();
}
