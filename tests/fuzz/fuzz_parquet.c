/*
 * fuzz_parquet.c - libFuzzer target: the input as a Parquet file, opened
 * and read whole (every column of every row group, every statistic).
 *
 * Built with -DLAKE_FUZZ=ON (clang); without libFuzzer the same entry is
 * driven by replay_parquet.c over the kept corpus and the fixtures, so a
 * crash once found stays fixed.  Run:
 *
 *	cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DLAKE_FUZZ=ON
 *	cmake --build build-fuzz --target fuzz_parquet
 *	build-fuzz/tests/fuzz_parquet -max_total_time=600 CORPUS tests/data/parquet
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "parquet/parquet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * A file may truthfully claim billions of null rows in a few bytes; reading
 * them all is correct but slow, so one input reads this many rows at most.
 */
#define ROW_BUDGET 2000000

/* Where the values read are summed, so that reading them cannot be optimised away. */
static volatile size_t sink;

static void read_row_group(struct lake_parquet_file *f, size_t g, const size_t *all, size_t n,
			   size_t batch, int64_t *budget)
{
	struct lake_parquet_rows *rows;
	struct lake_error err = {0};
	const struct lake_parquet_value *const *v;
	size_t got;

	if (lake_parquet_rows_open(f, g, all, n, &rows, &err) < 0)
		return;
	while (*budget > 0 && lake_parquet_rows_next(rows, batch, &got, &v, &err) == 1) {
		/* Touch every value so that a dangling pointer shows. */
		for (size_t c = 0; c < n; c++)
			for (size_t r = 0; r < got; r++)
				if (v[c][r].kind == LAKE_PQ_TEXT && v[c][r].len)
					sink += (unsigned char)v[c][r].s[v[c][r].len - 1];
		*budget -= (int64_t)got;
	}
	lake_parquet_rows_close(rows);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lake_parquet_file *f;
	struct lake_error err = {0};
	int fd = memfd_create("fuzz.parquet", 0);
	size_t n, *all;
	int64_t budget = ROW_BUDGET;

	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size ||
	    lake_parquet_open_fd(fd, "fuzz", &f, &err) < 0) {
		close(fd);
		return 0;
	}
	n = lake_parquet_columns(f, NULL);
	all = malloc((n + 1) * sizeof *all);
	for (size_t c = 0; c < n; c++)
		all[c] = c;
	for (size_t g = 0; g < lake_parquet_row_groups(f); g++) {
		for (size_t c = 0; c < n; c++) {
			struct lake_parquet_stats st;
			lake_parquet_column_stats(f, g, c, &st);
		}
		/* A batch size from the input, so that windows fall everywhere. */
		read_row_group(f, g, all, n, 1 + size % 1500, &budget);
	}
	free(all);
	lake_parquet_close(f);
	close(fd);
	return 0;
}
