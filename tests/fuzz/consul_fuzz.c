/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for Consul answers as the templater consumes them:
 * the input is an answer body, parsed as watch.c parses it
 * (cJSON_ParseWithLength), then handed as the data of every dependency to
 * templates that walk each record kind the engine builds over Consul
 * JSON: health.service (HealthService, checks, weights, tagged
 * addresses, byTag, byPort), catalog.services, catalog.nodes,
 * catalog.node, kv.get/kv.block/kv.list (ls, tree, byKey, explode) and
 * toJSON of each.  An answer of the wrong shape must fail the execution
 * with an error, never crash, leak or overrun the output cap.  Seeds:
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

static const cJSON *
consul_fuzz_lookup(void *arg, const char *dep)
{
	(void)dep;
	return arg;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *const env[] = { NULL };
	char err[TMPL_ERR_MAX];
	struct tmpl_exec_opts o = { .lookup = consul_fuzz_lookup,
		.env = env, .fixed_now = true };
	struct tmpl_parse_opts po = { .sandbox_path = "/nonexistent" };
	struct tmpl_deps deps;
	struct buf out;
	cJSON *root;
	size_t i;

	if (consul_fuzz_tmpl[0] == NULL) {
		xmalloc_init_cjson();
		for (i = 0; i < CONSUL_FUZZ_NSRC; i++) {
			consul_fuzz_tmpl[i] = tmpl_parse("consul",
			    consul_fuzz_src[i], strlen(consul_fuzz_src[i]),
			    &po, err, sizeof(err));
			if (consul_fuzz_tmpl[i] == NULL)
				abort(); /* a bug in this file */
		}
	}
	root = cJSON_ParseWithLength((const char *)data, size);
	if (root == NULL)
		return 0;
	o.lookup_arg = root;
	for (i = 0; i < CONSUL_FUZZ_NSRC; i++) {
		tmpl_deps_init(&deps);
		buf_init(&out, CONSUL_FUZZ_OUT_MAX);
		(void)tmpl_execute(consul_fuzz_tmpl[i], &o, &out, &deps, err,
		    sizeof(err));
		if (out.len > CONSUL_FUZZ_OUT_MAX)
			abort();
		buf_clear(&out);
		tmpl_deps_clear(&deps);
	}
	cJSON_Delete(root);
	return 0;
}
