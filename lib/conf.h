/* SPDX-License-Identifier: MIT */
/*
 * Configuration over inih, driven by one table (tmux's options-table.c,
 * redis's static_configs[]).  Each row names a section and key, a type
 * with bounds, a default written as it would be in the file, an optional
 * environment variable, the help text, and where the value goes: an
 * offset into the caller's struct, or a setter callback for values with
 * their own syntax.  Reading the file, the environment, command-line
 * overrides, --help and the printed sample file all walk the same table.
 *
 * Two kinds of section:
 *  - fixed sections ("[registrator]", "[sentry]") whose options all write
 *    into one target struct;
 *  - named sections that repeat ("[template web]", "[template api]"): the
 *    spec lists them in `named`, and for each NAME met in the file the
 *    open callback returns the object (created or found by the caller)
 *    that the section's options write into.
 *
 * Precedence is the caller's order of calls: conf_defaults(), conf_load(),
 * conf_env(), then conf_set() for each flag (defaults < ini < env < flags).
 * Reload: load into a fresh struct, and swap only if everything succeeded.
 *
 * Errors are data (pure code never logs): "path:line: [section] key:
 * reason" for the file, "$VAR: reason" for the environment.
 *
 * Limits fixed inside Debian's shared libinih (r55), which this code
 * cannot change:
 *  - a line holds at most 199 bytes of text, line ending not counted
 *    (INI_MAX_LINE 200 less the '\0'); a longer line is an error naming
 *    the line ("line longer than 199 bytes"), never a silently cut value;
 *  - a ';' preceded by white space starts a comment, so a value cannot
 *    contain " ;" (a ';' right after another character is kept);
 *  - an indented line after a key is, to inih, a continuation of that
 *    key's value (Python configparser's multi-line values), even when it
 *    reads "other = x": such a line is reported as an error here rather
 *    than silently swallowed, so keys must not be indented (except the
 *    first key of a section).
 * One level of double quotes around a value is removed ("a b" -> a b),
 * except for a CONF_VERBATIM option.
 */
#ifndef CONF_H
#define CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CONF_ERR_MAX 512

enum conf_type {
	CONF_STR, /* char *, owned by the target (conf_clear frees) */
	CONF_INT, /* long long, within [min, max] */
	CONF_BOOL, /* bool: true/false, yes/no, on/off, 1/0 */
	CONF_DURATION, /* uint64_t ms, Go syntax ("1m30s", "250ms", "0") */
	CONF_SIZE, /* uint64_t bytes: "512", "64k", "16M", "1G" (x1024) */
};

/* A CONF_STR that is never printed, and wiped with explicit_bzero. */
#define CONF_SECRET 0x1
/*
 * The value is kept as written, quotes included: a shell command's quotes
 * are the shell's ("/opt/my app/reload" "now").
 */
#define CONF_VERBATIM 0x2

struct conf_opt;

/*
 * A setter for a value with its own syntax ("min:max", a command line).
 * obj is the target struct (or the named section's object).  Returns 0,
 * or -1 with err set to the reason only (the caller adds where).
 */
typedef int conf_set_cb(void *obj, const struct conf_opt *opt,
    const char *value, char *err, size_t errlen);

/*
 * Called for each key of a named section: returns the object for NAME in
 * target, creating it (and applying conf_defaults() to it) the first time,
 * or NULL with err set when NAME is not acceptable.
 */
typedef void *conf_open_cb(void *target, const char *name, char *err,
    size_t errlen);

struct conf_opt {
	const char *section; /* "registrator", or a named section */
	const char *key;
	enum conf_type type; /* how to parse, and how to show */
	long long min, max; /* bounds (ms, bytes); both 0: none */
	const char *def; /* default, as text; NULL: none */
	const char *env; /* environment variable, or NULL */
	const char *help; /* one line */
	size_t offset; /* where the value goes in obj ... */
	conf_set_cb *set; /* ... unless this is set */
	unsigned flags; /* CONF_SECRET, CONF_VERBATIM */
};

struct conf_named {
	const char *section; /* "template" for [template NAME] */
	conf_open_cb *open;
	const char *help;
};

/* The whole description; all of it borrowed, usually static const. */
struct conf_spec {
	const struct conf_opt *opts;
	size_t nopts;
	const struct conf_named *named;
	size_t nnamed;
};

/*
 * Applies the defaults of section (NULL: every fixed section) to obj,
 * which must start zeroed.  A default that does not parse is a bug in the
 * table and is fatal.
 */
void conf_defaults(const struct conf_spec *spec, const char *section,
    void *obj);

/*
 * Reads the INI file at path into target.  Returns 0, or -1 with err set
 * ("path:line: [section] key: reason", "path: No such file or directory").
 * On failure target may hold some values from the file: load into a fresh
 * struct and throw it away (conf_clear) on error.
 */
int conf_load(const struct conf_spec *spec, void *target, const char *path,
    char *err, size_t errlen);
/* The same over text in memory; name stands for the path in errors. */
int conf_load_string(const struct conf_spec *spec, void *target,
    const char *name, const char *text, char *err, size_t errlen);

/* Applies each fixed option's environment variable that is set. */
int conf_env(const struct conf_spec *spec, void *target, char *err,
    size_t errlen);

/*
 * Sets one option of a fixed section (a command-line flag).  Returns 0, or
 * -1 with err set to "[section] key: reason"; an unknown key is an error.
 */
int conf_set(const struct conf_spec *spec, void *target, const char *section,
    const char *key, const char *value, char *err, size_t errlen);

/*
 * Parses value by row o's type (or its setter) into obj: the target for a
 * fixed section's row, the section's object for a named one.  For a
 * caller whose command line has its own syntax.  Returns 0, or -1 with
 * err set to the reason only (the caller says where).
 */
int conf_store(const struct conf_opt *o, void *obj, const char *value,
    char *err, size_t errlen);

/* The row for section/key, or NULL; borrowed from spec. */
const struct conf_opt *conf_find(const struct conf_spec *spec,
    const char *section, const char *key);

/*
 * Frees the strings that section's options (NULL: every fixed section)
 * hold in obj, wiping secrets first, and sets the pointers to NULL.
 */
void conf_clear(const struct conf_spec *spec, const char *section, void *obj);

/* The longest secret a file may hold (a DSN or token is far shorter). */
#define CONF_SECRET_FILE_MAX 4096

/*
 * Reads a secret (token, DSN) from path: its first line, trimmed.
 * Returns it (owned by the caller, to wipe with explicit_bzero before
 * free), or NULL with err naming the file: unreadable, empty, or a line
 * longer than CONF_SECRET_FILE_MAX.
 */
char *conf_secret_file(const char *path, char *err, size_t errlen);

/*
 * Hides secrets from /proc/PID/cmdline once the flags were parsed (and
 * copied): the value of every flag named in secret_flags (-name v,
 * --name v, -name=v) is overwritten with 'x', and so is the userinfo of
 * any URL in any argument (str_blank_userinfo).  Arguments after "--"
 * are left alone.  argv[0] is skipped.  Returns how many secret flags
 * were found, so the caller can say why a file is better.
 */
size_t conf_argv_hide(int argc, char **argv, const char *const *secret_flags,
    size_t nflags);

/* Prints every option with type, default, bounds, env and help. */
void conf_print_help(const struct conf_spec *spec, FILE *f);
/* Prints a sample INI file: every option commented out at its default. */
void conf_print_ini(const struct conf_spec *spec, FILE *f);

#endif
