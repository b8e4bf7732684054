/* SPDX-License-Identifier: MIT */
/*
 * toTOML (lib/tmpl/tmpl_toml.c) through the engine.  The conformance suite
 * holds what consul-template prints (tests/conformance/cases/
 * 88-yaml-toml.json); this checks what it cannot: the nesting cap, which
 * consul-template does not have.
 */
#include <stdio.h>
#include <string.h>

#include "test.h"
#include "tmpl.h"

static char out[4096];

/* Renders s; "error: ..." on failure. */
static const char *
render(const char *s)
{
	char err[TMPL_ERR_MAX];
	struct tmpl *t;
	struct buf b;

	t = tmpl_parse("r", s, strlen(s), NULL, err, sizeof(err));
	if (t == NULL) {
		snprintf(out, sizeof(out), "error: %s", err);
		return out;
	}
	buf_init(&b, sizeof(out) - 1);
	if (tmpl_execute(t, NULL, &b, NULL, err, sizeof(err)) == -1)
		snprintf(out, sizeof(out), "error: %s", err);
	else
		snprintf(out, sizeof(out), "%s", buf_str(&b));
	buf_clear(&b);
	tmpl_free(t);
	return out;
}

/* A list nested n deep around 1, then toTOML of it. */
static const char *
nested(int n)
{
	char tpl[256];

	snprintf(tpl, sizeof(tpl),
	    "{{ $x := 1 }}{{ range loop %d }}{{ $x = sprig_list $x }}"
	    "{{ end }}{{ len (toTOML (sprig_dict \"k\" $x)) }}",
	    n);
	return render(tpl);
}

int
main(void)
{
	/* 990 lists in a map: within the cap of about 1,000 levels. */
	T_ASSERT(strncmp(nested(990), "error", 5) != 0);
	T_ASSERT(strstr(nested(1000), "nesting") != NULL);
	return test_report();
}
