/* SPDX-License-Identifier: MIT */
/*
 * writeToFile: consul-template's function that writes a file while the
 * template renders.  The engine parses the arguments as consul-template
 * does and hands the request to the caller's writer (tmpl_exec_opts), so
 * that the caller decides when a write happens (a daemon writes once the
 * render is complete, a dry run never); tmpl_write_file is the writer.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tmpl_int.h"

/* Longest path writeToFile takes (with room for the temporary name). */
#define WRITE_PATH_MAX 4096

/* Go's strconv.ParseUint(s, 8, 32): 0, or -1 with Go's message. */
static int
parse_perms(const char *s, size_t n, unsigned *out, char *err, size_t errlen)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0)
		goto syntax;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '7')
			goto syntax;
		v = v * 8 + (uint64_t)(s[i] - '0');
		if (v > 0xffffffffu) {
			snprintf(err, errlen,
			    "strconv.ParseUint: parsing \"%.*s\": value out of "
			    "range",
			    (int)n, s);
			return -1;
		}
	}
	*out = (unsigned)v;
	return 0;
syntax:
	snprintf(err, errlen,
	    "strconv.ParseUint: parsing \"%.*s\": invalid "
	    "syntax",
	    (int)n, s);
	return -1;
}

/* Argument i, known to be a string, as a NUL-terminated arena copy. */
static const char *
arg_cstr(struct tmpl_exec *x, const struct tmpl_value *a, size_t i)
{
	return tmpl_arena_strndup(x->a, a[i].u.s, a[i].len);
}

static int
fn_write_to_file(struct tmpl_exec *x, struct tmpl_value *a, size_t n,
    struct tmpl_value *r)
{
	struct tmpl_write w = { 0 };
	const char *s, *flags = "";
	char err[TMPL_ERR_MAX];
	char *content;
	size_t i, len;

	*r = tmpl_value_str("", 0);
	for (i = 0; i < n; i++)
		if (tmpl_exec_arg_str(x, a, i, &s, &len) == -1)
			return -1;
	/* Go indexes args[len(args)-1] and panics without content. */
	if (n == 4)
		return tmpl_exec_errorf(x,
		    "runtime error: index out of range [-1]");
	/* Flags only with exactly two trailing arguments, as Go's. */
	if (n == 6)
		flags = arg_cstr(x, a, 4);
	if (parse_perms(a[3].u.s, a[3].len, &w.mode, err, sizeof(err)) == -1)
		return tmpl_exec_errorf(x, "%s", err);
	if (a[0].len == 0 || a[0].len >= WRITE_PATH_MAX
	    || memchr(a[0].u.s, '\0', a[0].len) != NULL)
		return tmpl_exec_errorf(x,
		    "writeToFile: bad path (empty, with a NUL, or longer than "
		    "%d bytes)",
		    WRITE_PATH_MAX - 1);
	if (x->opts == NULL || x->opts->write_file == NULL)
		return tmpl_exec_errorf(x,
		    "writeToFile: not available here (no file writer)");
	w.path = arg_cstr(x, a, 0);
	w.user = arg_cstr(x, a, 1);
	w.group = arg_cstr(x, a, 2);
	w.append = strstr(flags, "append") != NULL;
	w.len = a[n - 1].len;
	content = tmpl_arena_alloc(x->a, w.len + 2);
	memcpy(content, a[n - 1].u.s, w.len);
	if (strstr(flags, "newline") != NULL)
		content[w.len++] = '\n';
	content[w.len] = '\0';
	w.content = content;
	if (x->opts->write_file(x->opts->write_file_arg, &w, err, sizeof(err))
	    == -1)
		return tmpl_exec_errorf(x, "%s", err);
	return 0;
}

/* write(2) all of buf. */
static int
write_all(int fd, const char *buf, size_t len)
{
	ssize_t k;

	while (len > 0) {
		k = write(fd, buf, len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		buf += k;
		len -= (size_t)k;
	}
	return 0;
}

/* mkdir -p of path's directory, as Go's os.MkdirAll(dir, 0777). */
static int
make_dirs(const char *path)
{
	char dir[WRITE_PATH_MAX];
	struct stat st;
	char *p;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return -1;
	p = strrchr(dir, '/');
	if (p == NULL || p == dir)
		return 0;
	*p = '\0';
	if (stat(dir, &st) == 0)
		return 0;
	for (p = dir + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0777) == -1 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(dir, 0777) == -1 && errno != EEXIST)
		return -1;
	return 0;
}

/* A user (group) name, else a number, as consul-template resolves them. */
static int
owner_ids(const struct tmpl_write *w, uid_t *uid, gid_t *gid, char *err,
    size_t errlen)
{
	struct passwd *pw;
	struct group *gr;
	char *end;
	long v;

	*uid = getuid();
	*gid = getgid();
	if (w->user[0] != '\0') {
		pw = getpwnam(w->user);
		errno = 0;
		v = strtol(w->user, &end, 10);
		if (pw != NULL)
			*uid = pw->pw_uid;
		else if (*end == '\0' && errno == 0 && v >= 0 && v <= INT_MAX)
			*uid = (uid_t)v;
		else {
			snprintf(err, errlen, "user: unknown user %s", w->user);
			return -1;
		}
	}
	if (w->group[0] != '\0') {
		gr = getgrnam(w->group);
		errno = 0;
		v = strtol(w->group, &end, 10);
		if (gr != NULL)
			*gid = gr->gr_gid;
		else if (*end == '\0' && errno == 0 && v >= 0 && v <= INT_MAX)
			*gid = (gid_t)v;
		else {
			snprintf(err, errlen, "group: unknown group %s",
			    w->group);
			return -1;
		}
	}
	return 0;
}

int
tmpl_write_file(const struct tmpl_write *w, char *err, size_t errlen)
{
	char tmp[WRITE_PATH_MAX + 16];
	const char *what = "open", *target = w->path;
	bool own = w->user[0] != '\0' || w->group[0] != '\0';
	uid_t uid;
	gid_t gid;
	int fd = -1, ret = -1;

	tmp[0] = '\0';
	if (owner_ids(w, &uid, &gid, err, errlen) == -1)
		return -1;
	if (w->append)
		fd = open(w->path, O_APPEND | O_WRONLY | O_CREAT | O_CLOEXEC,
		    (mode_t)(w->mode & 07777));
	else {
		what = "mkdir";
		if (make_dirs(w->path) == -1)
			goto fail;
		/* Beside the file: rename(2) stays on one file system. */
		what = "create";
		if (snprintf(tmp, sizeof(tmp), "%s.wtf-XXXXXX", w->path)
		    >= (int)sizeof(tmp)) {
			errno = ENAMETOOLONG;
			goto fail;
		}
		fd = mkstemp(tmp);
		target = tmp;
	}
	if (fd == -1)
		goto fail;
	what = "write";
	if (write_all(fd, w->content, w->len) == -1)
		goto fail;
	what = "chown";
	if (own && fchown(fd, uid, gid) == -1)
		goto fail;
	what = "chmod";
	if (fchmod(fd, (mode_t)(w->mode & 07777)) == -1)
		goto fail;
	what = "close";
	if (close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	what = "rename";
	if (tmp[0] != '\0' && rename(tmp, w->path) == -1)
		goto fail;
	tmp[0] = '\0';
	ret = 0;
	goto out;
fail:
	snprintf(err, errlen, "writeToFile: %s %s: %s", what, target,
	    strerror(errno));
out:
	if (fd != -1)
		close(fd);
	if (tmp[0] != '\0')
		unlink(tmp);
	return ret;
}

/* This family's functions, for the registry (tmpl_func.c). */
const struct tmpl_func tmpl_write_funcs[] = {
	{ "writeToFile", fn_write_to_file, 4, -1, 0, 0 },
	{ NULL, NULL, 0, 0, 0, 0 },
};
