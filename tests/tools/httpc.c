/* SPDX-License-Identifier: MIT */
/*
 * httpc: a small curl-like client on lib/http.h and lib/loop.h, so that
 * the bed's smoke tests (tests/regress/smoke_*.sh) reach the real Docker
 * Engine and Consul agent through the project's own HTTP stack: the same
 * multi-socket code, unix socket support, streaming and connection cap the
 * daemons use.
 *
 *	httpc [-fik] [-X method] [-H 'Name: value']... [-d body]
 *	      [--unix-socket path] [--stream] [--max-time seconds]
 *	      [--max-body bytes] [-n count] [--max-conns n]
 *	      [--cacert file] [--cert file] [--key file] url
 *
 * The body goes to stdout (with --stream, chunk by chunk as it arrives);
 * -i first prints "HTTP <status>" and the headers of the final response.
 * With -n the request is started count times at once and one line
 * "<status> <body bytes>" is printed per answer, then "connections: N" on
 * stderr, the most sockets open at any time.  Exit status: 0 when every
 * answer arrived, 1 on a transport error, 22 with -f when a status was 400
 * or more, 2 on bad usage.  --cacert, --cert, --key and -k (skip peer
 * verification) fill struct http_tls.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http.h"
#include "log.h"
#include "loop.h"
#include "str.h"
#include "xmalloc.h"

#define HTTPC_HEADERS_MAX 16

struct httpc {
	struct loop *loop;
	struct http *http;
	bool fail_status;
	bool show_headers;
	bool many;
	unsigned left;
	unsigned max_open;
	int status; /* exit status so far */
};

static _Noreturn void
usage(void)
{
	fprintf(stderr,
	    "usage: httpc [-fik] [-X method] [-H 'Name: value']... [-d body]\n"
	    "             [--unix-socket path] [--stream] [--max-time seconds]\n"
	    "             [--max-body bytes] [-n count] [--max-conns n]\n"
	    "             [--cacert file] [--cert file] [--key file] url\n");
	exit(2);
}

static void
httpc_note_open(struct httpc *c)
{
	unsigned n = http_open_connections(c->http);

	if (n > c->max_open)
		c->max_open = n;
}

static int
httpc_data(const char *data, size_t len, void *arg)
{
	struct httpc *c = arg;

	httpc_note_open(c);
	if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0)
		return -1;
	return 0;
}

static void
httpc_done(const struct http_result *res, void *arg)
{
	struct httpc *c = arg;
	size_t i;

	httpc_note_open(c);
	if (res->error != 0) {
		fprintf(stderr, "httpc: %s\n", res->errmsg);
		c->status = 1;
	} else if (c->many) {
		printf("%ld %zu\n", res->status, res->body_len);
	} else {
		if (c->show_headers) {
			printf("HTTP %ld\n", res->status);
			for (i = 0; i < res->nheaders; i++)
				printf("%s: %s\n", res->headers[i].name,
				    res->headers[i].value);
			printf("\n");
		}
		fwrite(res->body, 1, res->body_len, stdout);
	}
	if (res->error == 0 && res->status >= 400 && c->fail_status
	    && c->status == 0)
		c->status = 22;
	if (--c->left == 0)
		loop_stop(c->loop);
}

static void
httpc_signal(struct loop *loop, int signo, void *arg)
{
	struct httpc *c = arg;

	(void)signo;
	c->status = 1;
	loop_stop(loop);
}

/* "Name: value" into h; the string is modified in place. */
static int
httpc_header(char *s, struct http_header *h)
{
	char *colon = strchr(s, ':');

	if (colon == NULL || colon == s)
		return -1;
	*colon = '\0';
	h->name = s;
	h->value = str_trim(colon + 1);
	return 0;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "unix-socket", required_argument, NULL, 'U' },
		{ "stream", no_argument, NULL, 'S' },
		{ "max-time", required_argument, NULL, 'T' },
		{ "max-body", required_argument, NULL, 'B' },
		{ "max-conns", required_argument, NULL, 'C' },
		{ "cacert", required_argument, NULL, 'A' },
		{ "cert", required_argument, NULL, 'E' },
		{ "key", required_argument, NULL, 'K' },
		{ NULL, 0, NULL, 0 },
	};
	struct http_header hdrs[HTTPC_HEADERS_MAX];
	struct http_opts o = { 0 };
	struct http_tls tls = { 0 };
	struct httpc c = { 0 };
	long long count = 1, secs = 0, max_body = 0, max_conns = 0;
	bool stream = false;
	int ch;

	log_init("httpc", LOG_LEVEL_WARN, LOG_FORMAT_PLAIN);
	while ((ch = getopt_long(argc, argv, "fikX:H:d:n:", longopts, NULL))
	    != -1) {
		switch (ch) {
		case 'f':
			c.fail_status = true;
			break;
		case 'i':
			c.show_headers = true;
			break;
		case 'k':
			tls.insecure = true;
			o.tls = &tls;
			break;
		case 'A':
			tls.ca_file = optarg;
			o.tls = &tls;
			break;
		case 'E':
			tls.cert_file = optarg;
			o.tls = &tls;
			break;
		case 'K':
			tls.key_file = optarg;
			o.tls = &tls;
			break;
		case 'X':
			o.method = optarg;
			break;
		case 'H':
			if (o.nheaders == HTTPC_HEADERS_MAX
			    || httpc_header(optarg, &hdrs[o.nheaders]) == -1)
				usage();
			o.nheaders++;
			break;
		case 'd':
			o.body = optarg;
			o.body_len = strlen(optarg);
			if (o.method == NULL)
				o.method = "POST";
			break;
		case 'n':
			if (str_to_ll(optarg, 1, 10000, &count) == -1)
				usage();
			break;
		case 'U':
			o.unix_socket = optarg;
			break;
		case 'S':
			stream = true;
			break;
		case 'T':
			if (str_to_ll(optarg, 0, 86400, &secs) == -1)
				usage();
			break;
		case 'B':
			if (str_to_ll(optarg, 1, 1LL << 32, &max_body) == -1)
				usage();
			break;
		case 'C':
			if (str_to_ll(optarg, 0, 1000, &max_conns) == -1)
				usage();
			break;
		default:
			usage();
		}
	}
	if (optind != argc - 1)
		usage();
	o.url = argv[optind];
	o.headers = hdrs;
	o.timeout_ms = (uint64_t)secs * 1000;
	o.max_body = (size_t)max_body;
	if (stream)
		o.on_data = httpc_data;

	signal(SIGPIPE, SIG_IGN);
	xmalloc_init_cjson();
	if ((c.loop = loop_new()) == NULL)
		fatal("loop_new");
	if (loop_signal_add(c.loop, SIGINT, httpc_signal, &c) == -1
	    || loop_signal_add(c.loop, SIGTERM, httpc_signal, &c) == -1)
		fatal("loop_signal_add");
	c.http = http_new(c.loop, (unsigned)max_conns);
	c.many = count > 1;
	c.left = (unsigned)count;
	while (count-- > 0)
		(void)http_start(c.http, &o, httpc_done, &c);
	if (loop_run(c.loop) == -1)
		c.status = 1;
	if (c.many)
		fprintf(stderr, "connections: %u\n", c.max_open);
	http_free(c.http);
	loop_free(c.loop);
	fflush(stdout);
	return c.status;
}
