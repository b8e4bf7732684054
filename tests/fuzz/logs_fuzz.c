/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for crash_logs_demux: the body of GET
 * /containers/{id}/logs is whatever a container printed, framed by the
 * daemon, and may be cut anywhere by the size cap.  Any crash, leak or
 * undefined behaviour is a bug; so is output past the buffer's cap, a
 * framed input whose decoded text does not end with a newline, or a
 * failure when the output has room for everything.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

#include "registrator.h"

#define LOGS_FUZZ_CAP (64u * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf out = BUF_INITIALIZER(LOGS_FUZZ_CAP);
	struct buf big = BUF_INITIALIZER(16 * size + 64);

	if (crash_logs_demux((const char *)data, size, &out) == 0 && out.len > 0
	    && size >= 8 && data[0] <= 2 && data[1] == 0 && data[2] == 0
	    && data[3] == 0 && out.data[out.len - 1] != '\n')
		abort();
	if (out.len > LOGS_FUZZ_CAP)
		abort();
	/* With room enough, decoding never fails. */
	if (crash_logs_demux((const char *)data, size, &big) != 0)
		abort();
	buf_clear(&out);
	buf_clear(&big);
	return 0;
}
