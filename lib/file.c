/* SPDX-License-Identifier: MIT */
/*
 * Atomic file replacement for rendered templates and their backups, plus
 * whole-file reads with a cap and a "did the content change?" test.  The
 * templater's output stage calls these; they never log, so a failure comes
 * back as text naming the path and the step (write, fsync, rename...) and
 * the caller decides whether it is a warning, a rollback or a Sentry
 * event.  The one accepted short block of the event loop is here: fsync.
 * The paths a writer trusts are decided here too: which symbolic links it
 * follows, which leftovers of a killed writer it removes, when two paths
 * name one file.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "xmalloc.h"

#define FILE_CHUNK 65536
#define FILE_TEMP_RANDOM 6 /* the XXXXXX of mkostemp(3) */

/* Fills err with "path: step: strerror(errno)", keeping errno. */
static void
file_err(char *err, size_t errlen, const char *path, const char *step)
{
	int saved = errno;

	snprintf(err, errlen, "%s: %s: %s", path, step, strerror(saved));
	errno = saved;
}

static int
file_write_all(int fd, const char *data, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, data, len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Returns the directory part of path (owned by the caller). */
static char *
file_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

static int
file_sync_dir(const char *path, char *err, size_t errlen)
{
	char *dir = file_dirname(path);
	int fd, ret = -1;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1) {
		file_err(err, errlen, dir, "open directory");
		goto out;
	}
	/* Some filesystems cannot sync a directory; that is not an error. */
	if (fsync(fd) == -1 && errno != EINVAL) {
		file_err(err, errlen, dir, "fsync directory");
		goto out;
	}
	ret = 0;
out:
	if (fd != -1)
		close(fd);
	free(dir);
	return ret;
}

/*
 * Rewrites path through its own inode: the content is written over the
 * old one from offset 0 and the file is then cut to len, so on a full
 * filesystem no block beyond the old size is needed until the tail.
 */
static int
file_write_in_place(const char *path, const void *data, size_t len, int mode,
    char *err, size_t errlen)
{
	int fd, ret = -1;

	/* file_resolve() chose path: a link swapped in since is refused. */
	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd == -1) {
		file_err(err, errlen, path, "open for in-place write");
		goto out;
	}
	if (file_write_all(fd, data, len) == -1) {
		file_err(err, errlen, path,
		    "in-place write (content may be damaged)");
		goto out;
	}
	if (ftruncate(fd, (off_t)len) == -1) {
		file_err(err, errlen, path, "in-place truncate");
		goto out;
	}
	if (mode >= 0 && fchmod(fd, (mode_t)mode) == -1) {
		file_err(err, errlen, path, "chmod");
		goto out;
	}
	if (fsync(fd) == -1) {
		file_err(err, errlen, path, "fsync");
		goto out;
	}
	ret = 0;
out:
	if (fd != -1)
		close(fd);
	return ret;
}

/* Closes fd (unless -1), removes and frees tmp, keeping errno. */
static void
file_temp_drop(int fd, char *tmp)
{
	int saved = errno;

	if (fd != -1)
		close(fd);
	unlink(tmp);
	free(tmp);
	errno = saved;
}

/*
 * Creates ".<name>.<tag>-XXXXXX" beside path (mode 0600) and writes len
 * bytes of data to it.  Returns the open descriptor and sets *tmpp
 * (owned by the caller), or -1 with err filled and no file left behind.
 */
static int
file_temp_open(const char *path, const char *tag, const void *data, size_t len,
    char **tmpp, char *err, size_t errlen)
{
	const char *slash = strrchr(path, '/');
	char *tmp;
	int fd;

	tmp = xasprintf("%.*s.%s.%s-XXXXXX",
	    slash != NULL ? (int)(slash - path + 1) : 0, path,
	    slash != NULL ? slash + 1 : path, tag);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd == -1) {
		file_err(err, errlen, path, "create temporary file");
		free(tmp);
		return -1;
	}
	if (file_write_all(fd, data, len) == -1) {
		file_err(err, errlen, path, "write temporary file");
		file_temp_drop(fd, tmp);
		return -1;
	}
	*tmpp = tmp;
	return fd;
}

/*
 * The temp-file-and-rename path.  mode is applied to the new file; when
 * keep_owner is set the new file is given uid and gid.  inplace_mode is
 * the mode the in-place fallback applies (-1: leave it).
 */
static int
file_write_atomic(const char *path, const void *data, size_t len, int mode,
    int inplace_mode, bool keep_owner, uid_t uid, gid_t gid,
    enum file_how *howp, char *err, size_t errlen)
{
	char *tmp = NULL;
	int fd, ret = -1;

	fd = file_temp_open(path, FILE_TEMP_TAG, data, len, &tmp, err, errlen);
	if (fd == -1)
		goto out;
	if (fchmod(fd, (mode_t)mode) == -1) {
		file_err(err, errlen, path, "chmod temporary file");
		goto out;
	}
	if (keep_owner && fchown(fd, uid, gid) == -1) {
		file_err(err, errlen, path, "chown temporary file");
		goto out;
	}
	if (fsync(fd) == -1) {
		file_err(err, errlen, path, "fsync temporary file");
		goto out;
	}
	if (close(fd) == -1) {
		fd = -1;
		file_err(err, errlen, path, "close temporary file");
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) == -1) {
		if (errno != EBUSY && errno != EXDEV) {
			file_err(err, errlen, path, "rename");
			goto out;
		}
		/* A single-file bind mount cannot be renamed over. */
		file_temp_drop(-1, tmp);
		tmp = NULL;
		if (file_write_in_place(path, data, len, inplace_mode, err,
			errlen)
		    == -1)
			goto out;
		if (howp != NULL)
			*howp = FILE_IN_PLACE;
		ret = 0;
		goto out;
	}
	free(tmp);
	tmp = NULL;
	if (file_sync_dir(path, err, errlen) == -1)
		goto out;
	if (howp != NULL)
		*howp = FILE_RENAMED;
	ret = 0;
out:
	if (tmp != NULL)
		file_temp_drop(fd, tmp);
	return ret;
}

/*
 * The process's umask.  Reading it means setting it, so it is set back at
 * once; the daemons have one thread, so nothing creates a file between.
 */
static mode_t
file_umask(void)
{
	mode_t mask = umask(0);

	(void)umask(mask);
	return mask;
}

char *
file_resolve(const char *path, char *err, size_t errlen)
{
	struct stat st, dirst;
	char *cur = xstrdup(path), *dir = NULL, *up;
	char link[PATH_MAX];
	ssize_t n;
	int hops;

	if (lstat(cur, &st) == -1) {
		if (errno == ENOENT)
			return cur;
		file_err(err, errlen, path, "stat");
		goto fail;
	}
	if (!S_ISLNK(st.st_mode))
		return cur;
	dir = file_dirname(path);
	if (stat(dir, &dirst) == -1) {
		file_err(err, errlen, dir, "stat directory");
		goto fail;
	}
	for (hops = 0; S_ISLNK(st.st_mode); hops++) {
		if (hops == FILE_LINKS_MAX) {
			snprintf(err, errlen,
			    "%s: more than %d symbolic links in a row", path,
			    FILE_LINKS_MAX);
			errno = ELOOP;
			goto fail;
		}
		if (st.st_uid != dirst.st_uid) {
			snprintf(err, errlen,
			    "%s: symbolic link %s belongs to uid %u, not to "
			    "uid %u who owns %s: not followed",
			    path, cur, (unsigned)st.st_uid,
			    (unsigned)dirst.st_uid, dir);
			errno = EPERM;
			goto fail;
		}
		n = readlink(cur, link, sizeof(link));
		if (n == -1 || (size_t)n == sizeof(link)) {
			if (n != -1)
				errno = ENAMETOOLONG;
			file_err(err, errlen, cur, "read symbolic link");
			goto fail;
		}
		link[n] = '\0';
		up = file_dirname(cur);
		free(cur);
		cur = link[0] == '/' ? xstrdup(link)
				     : xasprintf("%s/%s", up, link);
		free(up);
		if (lstat(cur, &st) == -1) {
			file_err(err, errlen, cur,
			    errno == ENOENT ? "symbolic link to a missing file"
					    : "stat symbolic link target");
			goto fail;
		}
	}
	if (st.st_uid != dirst.st_uid) {
		snprintf(err, errlen,
		    "%s: symbolic link to %s, which belongs to uid %u, not to "
		    "uid %u who owns %s: not followed",
		    path, cur, (unsigned)st.st_uid, (unsigned)dirst.st_uid,
		    dir);
		errno = EPERM;
		goto fail;
	}
	free(dir);
	return cur;
fail:
	free(dir);
	free(cur);
	return NULL;
}

int
file_replace(const char *path, const void *data, size_t len,
    const struct file_opts *opts, enum file_how *howp, char *err, size_t errlen)
{
	struct stat st = { 0 };
	struct buf old = BUF_INITIALIZER(BUF_MAX_FILE_BACKUP);
	char *target, *bak = NULL;
	int want = opts != NULL ? opts->mode : -1, mode, ret = -1;
	bool exists = false, keep_owner = false;

	target = file_resolve(path, err, errlen);
	if (target == NULL)
		goto out;
	if (stat(target, &st) == 0) {
		if (!S_ISREG(st.st_mode)) {
			snprintf(err, errlen, "%s: stat: not a regular file",
			    target);
			errno = EINVAL;
			goto out;
		}
		exists = true;
		keep_owner = geteuid() == 0;
	} else if (errno != ENOENT) {
		file_err(err, errlen, target, "stat");
		goto out;
	}
	if (want >= 0)
		mode = want & 07777;
	else if (exists)
		mode = (int)(st.st_mode & 07777);
	else
		mode = (int)(0666 & ~file_umask());

	if (exists && opts != NULL && opts->backup) {
		if (file_read(target, BUF_MAX_FILE_BACKUP, &old, err, errlen)
		    == -1)
			goto out;
		bak = xasprintf("%s.bak", target);
		if (file_write_atomic(bak, old.data != NULL ? old.data : "",
			old.len, mode, mode, keep_owner, st.st_uid, st.st_gid,
			NULL, err, errlen)
		    == -1)
			goto out;
	}
	if (file_write_atomic(target, data, len, mode, want >= 0 ? mode : -1,
		keep_owner, st.st_uid, st.st_gid, howp, err, errlen)
	    == -1)
		goto out;
	ret = 0;
out:
	buf_clear(&old);
	free(bak);
	free(target);
	return ret;
}

char *
file_write_temp(const char *path, const char *tag, const void *data, size_t len,
    char *err, size_t errlen)
{
	char *tmp = NULL;
	int fd;

	fd = file_temp_open(path, tag, data, len, &tmp, err, errlen);
	if (fd == -1)
		return NULL;
	if (close(fd) == -1) {
		file_err(err, errlen, path, "close temporary file");
		file_temp_drop(-1, tmp);
		return NULL;
	}
	return tmp;
}

/*
 * Whether name is ".<base>.<tag>-XXXXXX" for one of FILE_TEMP_TAG and
 * tags, each X a letter or a digit as mkostemp(3) draws them.
 */
static bool
file_temp_name(const char *name, const char *base, const char *const *tags)
{
	size_t blen = strlen(base), tlen, i;
	const char *p, *tag;

	if (name[0] != '.' || strncmp(name + 1, base, blen) != 0
	    || name[1 + blen] != '.')
		return false;
	p = name + blen + 2;
	for (i = 0;; i++) {
		if (i == 0)
			tag = FILE_TEMP_TAG;
		else if (tags != NULL && tags[i - 1] != NULL)
			tag = tags[i - 1];
		else
			return false;
		tlen = strlen(tag);
		if (strncmp(p, tag, tlen) == 0 && p[tlen] == '-'
		    && strlen(p + tlen + 1) == FILE_TEMP_RANDOM
		    && strspn(p + tlen + 1,
			   "abcdefghijklmnopqrstuvwxyz"
			   "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
			== FILE_TEMP_RANDOM)
			return true;
	}
}

/*
 * file_sweep() in path's directory, for path and its ".bak": adds the
 * number removed to *removed.
 */
static int
file_sweep_dir(const char *path, const char *const *tags, int *removed,
    char *err, size_t errlen)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash != NULL ? slash + 1 : path;
	char *dir = file_dirname(path), *bak = xasprintf("%s.bak", base);
	struct dirent *de;
	struct stat st;
	DIR *d;
	int ret = -1;

	d = opendir(dir);
	if (d == NULL) {
		file_err(err, errlen, dir, "open directory");
		goto out;
	}
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (de == NULL)
			break;
		if (!file_temp_name(de->d_name, base, tags)
		    && !file_temp_name(de->d_name, bak, NULL))
			continue;
		/* Only our own regular files, never what a link names. */
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW)
			== -1
		    || !S_ISREG(st.st_mode) || st.st_uid != geteuid())
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) == 0)
			(*removed)++;
	}
	if (errno != 0) {
		file_err(err, errlen, dir, "read directory");
		goto out;
	}
	ret = 0;
out:
	if (d != NULL)
		closedir(d);
	free(bak);
	free(dir);
	return ret;
}

int
file_sweep(const char *path, const char *const *tags, char *err, size_t errlen)
{
	char rerr[FILE_ERR_MAX];
	char *target;
	int removed = 0, ret = -1;

	if (file_sweep_dir(path, tags, &removed, err, errlen) == -1)
		return -1;
	/* A link refused here is refused, and reported, at the write. */
	target = file_resolve(path, rerr, sizeof(rerr));
	if (target != NULL && strcmp(target, path) != 0
	    && file_sweep_dir(target, NULL, &removed, err, errlen) == -1)
		goto out;
	ret = removed;
out:
	free(target);
	return ret;
}

/* Appends component c (not "" nor ".") to the absolute path *p, as text. */
static void
file_canonical_add(char **p, const char *c, size_t clen)
{
	char *last, *next;

	if (clen == 2 && strncmp(c, "..", 2) == 0) {
		last = strrchr(*p, '/');
		if (last == *p)
			last[1] = '\0';
		else if (last != NULL)
			*last = '\0';
		return;
	}
	next = xasprintf("%s%s%.*s", *p, strcmp(*p, "/") == 0 ? "" : "/",
	    (int)clen, c);
	free(*p);
	*p = next;
}

char *
file_canonical(const char *path)
{
	char cwd[PATH_MAX];
	char *p, *abs, *real;
	const char *c, *end;
	size_t clen;
	bool exists = true;

	if (path[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL)
		abs = xstrdup(path);
	else
		abs = xasprintf("%s/%s", cwd, path);
	p = xstrdup("/");
	for (c = abs; *c != '\0'; c = end) {
		while (*c == '/')
			c++;
		end = strchrnul(c, '/');
		clen = (size_t)(end - c);
		if (clen == 0 || (clen == 1 && *c == '.'))
			continue;
		file_canonical_add(&p, c, clen);
		/* Past the first missing component, ".." is only text. */
		if (!exists)
			continue;
		real = realpath(p, NULL);
		if (real == NULL) {
			exists = false;
			continue;
		}
		free(p);
		p = real;
	}
	free(abs);
	return p;
}

int
file_read(const char *path, size_t max, struct buf *out, char *err,
    size_t errlen)
{
	struct stat st;
	char chunk[FILE_CHUNK];
	ssize_t n;
	int fd, ret = -1;

	buf_reset(out);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1) {
		file_err(err, errlen, path, "open");
		goto out;
	}
	if (fstat(fd, &st) == -1) {
		file_err(err, errlen, path, "stat");
		goto out;
	}
	if (st.st_size > 0 && (unsigned long long)st.st_size > max) {
		errno = EFBIG;
		snprintf(err, errlen, "%s: read: larger than %zu bytes", path,
		    max);
		goto out;
	}
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n == -1) {
			if (errno == EINTR)
				continue;
			file_err(err, errlen, path, "read");
			goto out;
		}
		if (n == 0)
			break;
		if ((size_t)n > max - out->len
		    || buf_add(out, chunk, (size_t)n) == -1) {
			errno = EFBIG;
			snprintf(err, errlen, "%s: read: larger than %zu bytes",
			    path, max < out->max ? max : out->max);
			goto out;
		}
	}
	ret = 0;
out:
	if (ret == -1)
		buf_reset(out);
	if (fd != -1) {
		int saved = errno;

		close(fd);
		errno = saved;
	}
	return ret;
}

int
file_changed(const char *path, const void *data, size_t len, bool *changed,
    char *err, size_t errlen)
{
	struct stat st;
	const char *p = data;
	char chunk[FILE_CHUNK];
	size_t off = 0;
	ssize_t n;
	int fd, ret = -1;
	bool differs = false;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1) {
		if (errno == ENOENT) {
			*changed = true;
			ret = 0;
		} else
			file_err(err, errlen, path, "open");
		goto out;
	}
	if (fstat(fd, &st) == -1) {
		file_err(err, errlen, path, "stat");
		goto out;
	}
	if ((unsigned long long)st.st_size != len) {
		*changed = true;
		ret = 0;
		goto out;
	}
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n == -1) {
			if (errno == EINTR)
				continue;
			file_err(err, errlen, path, "read");
			goto out;
		}
		if (n == 0)
			break;
		/* The file may have grown since fstat. */
		if ((size_t)n > len - off
		    || memcmp(chunk, p + off, (size_t)n) != 0) {
			differs = true;
			break;
		}
		off += (size_t)n;
	}
	*changed = differs || off != len;
	ret = 0;
out:
	if (fd != -1) {
		int saved = errno;

		close(fd);
		errno = saved;
	}
	return ret;
}
