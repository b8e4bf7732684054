/* SPDX-License-Identifier: MIT */
/*
 * The log tail of a crash report: GET /containers/{id}/logs answers in
 * Docker's multiplexed stream format (unless the container has a TTY),
 * which crash.c reads after a die and this file turns into text, one
 * "[stdout] " or "[stderr] " line per output line, for crash_event.c to
 * put in the event.  Pure.
 */
#include <stdint.h>
#include <string.h>

#include "buf.h"

#include "registrator.h"

#define CRASH_STDOUT "[stdout] "
#define CRASH_STDERR "[stderr] "

static bool
crash_logs_header_valid(const unsigned char *h)
{
	return h[0] <= 2 && h[1] == 0 && h[2] == 0 && h[3] == 0;
}

int
crash_logs_demux(const char *data, size_t len, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)data;
	size_t off = 0;
	int cur = -1; /* stream of the open line, -1: none */

	if (len < 8 || !crash_logs_header_valid(p))
		return buf_add(out, data, len);
	while (off < len) {
		uint32_t n;
		int stream;
		size_t end;

		if (len - off < 8 || !crash_logs_header_valid(p + off)) {
			if (cur != -1 && buf_addc(out, '\n') == -1)
				return -1;
			return buf_addf(out, "[... %zu undecodable bytes]\n",
			    len - off);
		}
		stream = p[off] == 2 ? 2 : 1;
		n = (uint32_t)p[off + 4] << 24 | (uint32_t)p[off + 5] << 16
		    | (uint32_t)p[off + 6] << 8 | (uint32_t)p[off + 7];
		off += 8;
		end = n > len - off ? len : off + n;
		while (off < end) {
			const char *nl;
			size_t k;

			if (cur != stream) {
				if (cur != -1 && buf_addc(out, '\n') == -1)
					return -1;
				if (buf_addstr(out,
					stream == 2 ? CRASH_STDERR
						    : CRASH_STDOUT)
				    == -1)
					return -1;
				cur = stream;
			}
			nl = memchr(data + off, '\n', end - off);
			k = nl != NULL ? (size_t)(nl - (data + off)) + 1
				       : end - off;
			if (buf_add(out, data + off, k) == -1)
				return -1;
			off += k;
			if (nl != NULL)
				cur = -1;
		}
	}
	if (cur != -1)
		return buf_addc(out, '\n');
	return 0;
}
