/*
 * test_vtab_group.c - rows gathered by their keys: SQL's equality, every
 * row given back once with its own kept values, groups in SQL's order.
 */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "query/vtab_group.h"

static struct lake_sqlval int_val(int64_t i)
{
	return (struct lake_sqlval){.type = SQLITE_INTEGER, .i = i};
}

static struct lake_sqlval real_val(double d)
{
	return (struct lake_sqlval){.type = SQLITE_FLOAT, .d = d};
}

static struct lake_sqlval text_val(const char *s)
{
	return (struct lake_sqlval){.type = SQLITE_TEXT, .s = s, .n = strlen(s)};
}

static struct lake_sqlval null_val(void)
{
	return (struct lake_sqlval){.type = SQLITE_NULL};
}

/* Equal keys make one group however they are spelt: NULLs, -0.0 and 0.0, equal bytes. */
static void test_equality(void)
{
	struct lake_groups *g = lake_groups_new(1, 0);
	char a[] = "abc", b[] = "abc";
	struct lake_sqlval k[] = {null_val(),	null_val(),  real_val(0.0),  real_val(-0.0),
				  text_val(a),	text_val(b), text_val("ab"), int_val(7),
				  text_val(""), int_val(7)};

	for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
		lake_groups_add(g, &k[i], NULL, 1);
	CHECK_INT(lake_groups_count(g), 6); /* NULL, 0.0, "abc", "ab", 7, "" */
	lake_groups_free(g);
}

/* A JSON text is the text it is (SQL ignores the subtype); text is not a number. */
static void test_kinds_apart(void)
{
	struct lake_groups *g = lake_groups_new(1, 0);
	struct lake_sqlval json = text_val("[1]"), plain = text_val("[1]"), seven = text_val("7");

	json.json = 1;
	lake_groups_add(g, &json, NULL, 1);
	lake_groups_add(g, &plain, NULL, 1);
	lake_groups_add(g, &seven, NULL, 1);
	lake_groups_add(g, &(struct lake_sqlval){.type = SQLITE_INTEGER, .i = 7}, NULL, 1);
	CHECK_INT(lake_groups_count(g), 3);
	lake_groups_free(g);
}

/* Rows added by the count, and by a group's number without their keys: as many come back. */
static void test_rows_by_count(void)
{
	struct lake_groups *g = lake_groups_new(1, 1);
	struct lake_sqlval a = text_val("a"), b = text_val("b"), x = int_val(5), y = int_val(9);
	const struct lake_sqlval *k, *o;
	int64_t rows_a = 0, rows_b = 0, sum_a = 0;

	size_t ga = lake_groups_add(g, &a, &x, 3);
	size_t gb = lake_groups_add(g, &b, &y, 1);
	CHECK(ga != gb);
	CHECK_INT(lake_groups_add(g, &a, &y, 1), ga);
	lake_groups_add_to(g, gb, &x, 4);
	lake_groups_add_to(g, ga, &y, 2);
	CHECK_INT(lake_groups_count(g), 2);
	lake_groups_sort(g, NULL);
	while (lake_groups_next(g, &k, &o)) {
		if (k[0].s[0] == 'a') {
			rows_a++;
			sum_a += o[0].i;
		} else {
			rows_b++;
		}
	}
	CHECK_INT(rows_a, 6);
	CHECK_INT(rows_b, 5);
	CHECK_INT(sum_a, 3 * 5 + 9 + 2 * 9);
	lake_groups_free(g);
}

/* Every row comes back once, with its own other values, its group's rows together, in order. */
static void test_rows_back_in_order(void)
{
	struct lake_groups *g = lake_groups_new(2, 1);
	const char *names[] = {"b", "a", "c"};
	int64_t sum[3] = {0}, count[3] = {0};
	int rows = 0, ordered = 1, together = 1;

	for (int i = 0; i < 3000; i++) {
		struct lake_sqlval keys[2] = {text_val(names[i % 3]), int_val(i % 2)};
		struct lake_sqlval other = int_val(i);
		lake_groups_add(g, keys, &other, 1);
	}
	CHECK_INT(lake_groups_count(g), 6);
	unsigned char desc[2] = {0, 1};
	lake_groups_sort(g, desc);
	const struct lake_sqlval *k, *o;
	char last_name = 0;
	int64_t last_parity = -1;
	int seen_pairs = 0;
	while (lake_groups_next(g, &k, &o)) {
		char name = k[0].s[0];
		if (name != last_name || k[1].i != last_parity) {
			/* A new group: after the last in (name ASC, parity DESC). */
			if (last_name &&
			    (name < last_name || (name == last_name && k[1].i > last_parity)))
				ordered = 0;
			seen_pairs++;
			last_name = name;
			last_parity = k[1].i;
		}
		if (o[0].i % 2 != k[1].i || names[o[0].i % 3][0] != name)
			together = 0;
		sum[name - 'a'] += o[0].i;
		count[name - 'a']++;
		rows++;
	}
	CHECK_INT(rows, 3000);
	CHECK_INT(seen_pairs, 6); /* each group once: its rows were adjacent */
	CHECK(ordered);
	CHECK(together);
	CHECK_INT(count[0] + count[1] + count[2], 3000);
	CHECK_INT(sum[0] + sum[1] + sum[2], 2999 * 3000 / 2);
	lake_groups_free(g);
}

/* SQL's order across kinds: NULL, then numbers by value (integers and reals mixed), then text. */
static void test_order_across_kinds(void)
{
	struct lake_groups *g = lake_groups_new(1, 0);
	struct lake_sqlval k[] = {text_val("b"), real_val(2.5), int_val(3),	null_val(),
				  int_val(-1),	 text_val("a"), real_val(-7.25)};
	const char *want[] = {"null", "-7.25", "-1", "2.5", "3", "a", "b"};
	const struct lake_sqlval *key, *other;
	char got[32];
	int i = 0;

	for (size_t j = 0; j < sizeof k / sizeof k[0]; j++)
		lake_groups_add(g, &k[j], NULL, 1);
	lake_groups_sort(g, NULL);
	while (lake_groups_next(g, &key, &other) && i < 7) {
		if (key->type == SQLITE_NULL)
			snprintf(got, sizeof got, "null");
		else if (key->type == SQLITE_INTEGER)
			snprintf(got, sizeof got, "%lld", (long long)key->i);
		else if (key->type == SQLITE_FLOAT)
			snprintf(got, sizeof got, "%g", key->d);
		else
			snprintf(got, sizeof got, "%.*s", (int)key->n, key->s);
		CHECK_STR(got, want[i]);
		i++;
	}
	CHECK_INT(i, 7);
	lake_groups_free(g);
}

/* Nothing added: nothing given. */
static void test_empty(void)
{
	struct lake_groups *g = lake_groups_new(1, 1);
	const struct lake_sqlval *k, *o;

	lake_groups_sort(g, NULL);
	CHECK(!lake_groups_next(g, &k, &o));
	lake_groups_free(g);
}

/* Many groups: the table grows, every key still found once. */
static void test_many_groups(void)
{
	struct lake_groups *g = lake_groups_new(1, 0);
	const struct lake_sqlval *k, *o;
	int64_t n = 0, last = -1;
	int ordered = 1;

	for (int round = 0; round < 2; round++)
		for (int64_t i = 0; i < 100000; i++)
			lake_groups_add(
			    g,
			    &(struct lake_sqlval){.type = SQLITE_INTEGER, .i = (i * 7919) % 100000},
			    NULL, 1);
	CHECK_INT(lake_groups_count(g), 100000);
	lake_groups_sort(g, NULL);
	while (lake_groups_next(g, &k, &o)) {
		ordered &= k->i > last || (k->i == last);
		last = k->i;
		n++;
	}
	CHECK_INT(n, 200000);
	CHECK(ordered);
	lake_groups_free(g);
}

int main(void)
{
	T_RUN(test_equality);
	T_RUN(test_kinds_apart);
	T_RUN(test_rows_back_in_order);
	T_RUN(test_rows_by_count);
	T_RUN(test_order_across_kinds);
	T_RUN(test_empty);
	T_RUN(test_many_groups);
	T_DONE();
}
