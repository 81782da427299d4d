/*
 * replay_parquet.c - every file of the given directories through the
 * fuzz target's entry (fuzz_parquet.c), without libFuzzer: the ctest that
 * keeps what the fuzzer found fixed.  Exits 0 when none crashed (the
 * sanitizers abort otherwise); reading errors are expected and fine.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!fp)
		return -1;
	if (fseek(fp, 0, SEEK_END) < 0 || (n = ftell(fp)) < 0 || fseek(fp, 0, SEEK_SET) < 0) {
		fclose(fp);
		return -1;
	}
	buf = malloc(n ? (size_t)n : 1);
	if (!buf || fread(buf, 1, (size_t)n, fp) != (size_t)n) {
		free(buf);
		fclose(fp);
		return -1;
	}
	fclose(fp);
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	int files = 0;

	for (int i = 1; i < argc; i++) {
		DIR *d = opendir(argv[i]);
		struct dirent *de;

		if (!d) {
			fprintf(stderr, "replay_parquet: %s: cannot open\n", argv[i]);
			return 1;
		}
		while ((de = readdir(d))) {
			char path[4096];

			struct stat st;

			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof path, "%s/%s", argv[i], de->d_name);
			/* A folder inside is named on the command line if it is to be replayed. */
			if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
				continue;
			if (replay_file(path) < 0) {
				fprintf(stderr, "replay_parquet: %s: cannot read\n", path);
				closedir(d);
				return 1;
			}
			files++;
		}
		closedir(d);
	}
	fprintf(stderr, "replay_parquet: %d files replayed\n", files);
	return files > 0 ? 0 : 1;
}
