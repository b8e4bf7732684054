/* SPDX-License-Identifier: MIT */
/*
 * consul-template functions the engine refuses on purpose, each failing
 * the execution with the function's name (the error's "at <...>") and the
 * reason, so that a template carried over from consul-template says at
 * its first render what it cannot have here:
 *
 *   secret, secrets, pkiCert: Vault; nomad*: Nomad.  The templater has
 *     no Vault or Nomad client (consul-template without them waits for
 *     ever; a -once render would never end).
 *   plugin: runs an executable named by the template with arguments
 *     that are often Consul data, on every render, as the templater's
 *     user; a service's labels would reach a command line.
 *   sockaddr: go-sockaddr's own template language over the host's
 *     interfaces, a second interpreter for a value the operator can
 *     pass in the environment (env) instead.
 */
#include "tmpl_int.h"

static int
refuse_vault(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)a;
	(void)n;
	(void)r;
	return tmpl_exec_errorf(x,
	    "not provided: the templater has no Vault client (Vault "
	    "functions are not supported)");
}

static int
refuse_nomad(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)a;
	(void)n;
	(void)r;
	return tmpl_exec_errorf(x,
	    "not provided: the templater has no Nomad client (Nomad "
	    "functions are not supported)");
}

static int
refuse_plugin(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)a;
	(void)n;
	(void)r;
	return tmpl_exec_errorf(x,
	    "not provided: running an executable from a template on every "
	    "render, with arguments from Consul data, is not supported");
}

static int
refuse_sockaddr(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	(void)a;
	(void)n;
	(void)r;
	return tmpl_exec_errorf(x,
	    "not provided: go-sockaddr's template language is not "
	    "supported; pass the address in the environment (env)");
}

/* This family's functions, for the registry (tmpl_func.c). */
const struct tmpl_func tmpl_refuse_funcs[] = {
	{ "secret", refuse_vault, 0, -1, 0, 0 },
	{ "secrets", refuse_vault, 0, -1, 0, 0 },
	{ "pkiCert", refuse_vault, 0, -1, 0, 0 },
	{ "nomadService", refuse_nomad, 0, -1, 0, 0 },
	{ "nomadServices", refuse_nomad, 0, -1, 0, 0 },
	{ "nomadVar", refuse_nomad, 0, -1, 0, 0 },
	{ "nomadVarExists", refuse_nomad, 0, -1, 0, 0 },
	{ "nomadVarList", refuse_nomad, 0, -1, 0, 0 },
	{ "nomadVarListSafe", refuse_nomad, 0, -1, 0, 0 },
	{ "plugin", refuse_plugin, 0, -1, 0, 0 },
	{ "sockaddr", refuse_sockaddr, 0, -1, 0, 0 },
	{ NULL, NULL, 0, 0, 0, 0 },
};
