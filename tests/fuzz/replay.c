/* SPDX-License-Identifier: MIT */
/*
 * Seed corpus replay: feeds every file of the directories given on the
 * command line to a fuzz target's LLVMFuzzerTestOneInput, so the targets
 * stay compiled and their corpora green in builds without libFuzzer.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "xmalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
main(int argc, char **argv)
{
	struct dirent *de;
	char path[4096];
	uint8_t *buf;
	size_t len;
	long sz;
	int i, n = 0;
	FILE *f;
	DIR *d;

	for (i = 1; i < argc; i++) {
		d = opendir(argv[i]);
		if (d == NULL) {
			fprintf(stderr, "%s: cannot open\n", argv[i]);
			return 1;
		}
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", argv[i],
			    de->d_name);
			f = fopen(path, "rb");
			if (f == NULL)
				continue;
			fseek(f, 0, SEEK_END);
			sz = ftell(f);
			fseek(f, 0, SEEK_SET);
			buf = xmalloc(sz > 0 ? (size_t)sz : 1);
			len = fread(buf, 1, sz > 0 ? (size_t)sz : 0, f);
			fclose(f);
			LLVMFuzzerTestOneInput(buf, len);
			free(buf);
			n++;
		}
		closedir(d);
	}
	printf("%d inputs replayed\n", n);
	return n > 0 ? 0 : 1;
}
