/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for Consul answers as the templater consumes them:
 * the input is an answer body, parsed as watch.c parses it
 * (tmpl_data_parse, as watch.c reads answers), then handed as the data of every
 * dependency to templates that walk each record kind the engine builds over
 * Consul JSON: health.service (HealthService, checks, weights, tagged
 * addresses, byTag, byPort), catalog.services, catalog.nodes,
 * catalog.node, kv.get/kv.block/kv.list (ls, tree, byKey, explode) and
 * toJSON of each.  An answer of the wrong shape must fail the execution
 * with an error, never crash, leak or overrun the output cap.  Each
 * template also runs on the answer as the watcher keeps it (compacted
 * for the dependency asked, tmpl_data_compact) and must render the same
 * text with the same result.  Both sides are packed (tmpl_data_pack) so
 * that records tied in a sort keep document order on both.  Seeds:
 * real answers of a Consul 1.16 dev agent (tests/fuzz/consul/).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tmpl.h"
#include "xmalloc.h"

#define CONSUL_FUZZ_OUT_MAX (256u * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const consul_fuzz_src[] = {
	"{{range service \"web\"}}{{.ID}} {{.Name}} {{.Node}} {{.NodeID}} "
	"{{.NodeAddress}} {{.Address}}:{{.Port}} {{.Status}} {{.Tags}} "
	"{{.ServiceMeta}} {{.NodeMeta}} {{.NodeTaggedAddresses}} "
	"{{.ServiceTaggedAddresses}} {{.Weights.Passing}} "
	"{{.Weights.Warning}}{{range .Checks}} {{.CheckID}} {{.Name}} "
	"{{.Status}} {{.Output}} {{.ServiceTags}} {{.Type}}{{end}}\n"
	"{{end}}",
	"{{range $t, $s := service \"web|any\" | byTag}}{{$t}}:"
	"{{range $s}}{{.ID}},{{end}}{{end}}"
	"{{range $p, $s := service \"web\" | byPort}}{{$p}}={{len $s}}"
	"{{end}}{{service \"web\" | toJSON}}",
	"{{range services}}{{.Name}} {{.Tags}} {{join \",\" .Tags}}\n{{end}}"
	"{{services | toJSON}}",
	"{{range nodes}}{{.ID}} {{.Node}} {{.Address}} {{.Datacenter}} "
	"{{.TaggedAddresses}} {{.Meta}}\n{{end}}",
	"{{with node \"n1\"}}{{.Node.Node}} {{.Node.Address}}"
	"{{range .Services}} {{.ID}} {{.Service}} {{.Tags}} {{.Meta}} "
	"{{.Port}} {{.Address}} {{.EnableTagOverride}}{{end}}{{end}}",
	"{{key \"k\"}}|{{keyOrDefault \"d\" \"def\"}}|{{keyExists \"e\"}}",
	"{{range tree \"p\"}}{{.Path}} {{.Key}}={{.Value}} {{.Flags}} "
	"{{.CreateIndex}} {{.ModifyIndex}} {{.LockIndex}} {{.Session}}\n"
	"{{end}}{{range ls \"p\"}}{{.Key}}{{end}}"
	"{{range $k, $v := tree \"p\" | byKey}}{{$k}}:{{len $v}}{{end}}"
	"{{tree \"p\" | explode | toJSON}}{{safeTree \"q\" | toJSON}}",
};

#define CONSUL_FUZZ_NSRC (sizeof(consul_fuzz_src) / sizeof(consul_fuzz_src[0]))

static struct tmpl *consul_fuzz_tmpl[CONSUL_FUZZ_NSRC];

/* Data by dependency: the answer packed, compacted for that dependency or not.
 */
#define CONSUL_FUZZ_DEPS 16
struct consul_fuzz_data {
	const cJSON *root; /* borrowed */
	bool compact;
	char *deps[CONSUL_FUZZ_DEPS]; /* owned */
	cJSON *data[CONSUL_FUZZ_DEPS]; /* owned, free() */
	size_t n;
};

static const cJSON *
consul_fuzz_lookup(void *arg, const char *dep)
{
	struct consul_fuzz_data *d = arg;
	cJSON *dup;
	size_t i;

	for (i = 0; i < d->n; i++)
		if (strcmp(d->deps[i], dep) == 0)
			return d->data[i];
	if (d->n == CONSUL_FUZZ_DEPS)
		abort(); /* a template of this file uses more */
	dup = cJSON_Duplicate(d->root, true);
	if (d->compact)
		tmpl_data_compact(dep, dup);
	d->deps[d->n] = xstrdup(dep);
	d->data[d->n] = tmpl_data_pack(dup);
	cJSON_Delete(dup);
	return d->data[d->n++];
}

static void
consul_fuzz_data_clear(struct consul_fuzz_data *d)
{
	while (d->n > 0) {
		d->n--;
		free(d->deps[d->n]);
		free(d->data[d->n]);
	}
}

/* Executes t on d into out; returns tmpl_execute's result. */
static int
consul_fuzz_run(struct tmpl *t, struct consul_fuzz_data *d, struct buf *out)
{
	static char *const env[] = { NULL };
	char err[TMPL_ERR_MAX];
	struct tmpl_exec_opts o = { .lookup = consul_fuzz_lookup,
		.lookup_arg = d,
		.env = env,
		.fixed_now = true };
	struct tmpl_deps deps;
	int rc;

	tmpl_deps_init(&deps);
	rc = tmpl_execute(t, &o, out, &deps, err, sizeof(err));
	if (out->len > CONSUL_FUZZ_OUT_MAX)
		abort();
	tmpl_deps_clear(&deps);
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[TMPL_ERR_MAX];
	struct tmpl_parse_opts po = { .sandbox_path = "/nonexistent" };
	struct consul_fuzz_data whole = { 0 }, kept = { 0 };
	struct buf out, out2;
	cJSON *root;
	size_t i;
	int rc, rc2;

	if (consul_fuzz_tmpl[0] == NULL) {
		xmalloc_init_cjson();
		for (i = 0; i < CONSUL_FUZZ_NSRC; i++) {
			consul_fuzz_tmpl[i] = tmpl_parse("consul",
			    consul_fuzz_src[i], strlen(consul_fuzz_src[i]), &po,
			    err, sizeof(err));
			if (consul_fuzz_tmpl[i] == NULL)
				abort(); /* a bug in this file */
		}
	}
	root = tmpl_data_parse((const char *)data, size);
	if (root == NULL)
		return 0;
	whole.root = kept.root = root;
	kept.compact = true;
	for (i = 0; i < CONSUL_FUZZ_NSRC; i++) {
		buf_init(&out, CONSUL_FUZZ_OUT_MAX);
		buf_init(&out2, CONSUL_FUZZ_OUT_MAX);
		rc = consul_fuzz_run(consul_fuzz_tmpl[i], &whole, &out);
		rc2 = consul_fuzz_run(consul_fuzz_tmpl[i], &kept, &out2);
		/* Compaction must not change what a template sees. */
		if (rc != rc2 || out.len != out2.len
		    || memcmp(buf_str(&out), buf_str(&out2), out.len) != 0)
			abort();
		buf_clear(&out);
		buf_clear(&out2);
		consul_fuzz_data_clear(&whole);
		consul_fuzz_data_clear(&kept);
	}
	cJSON_Delete(root);
	return 0;
}
