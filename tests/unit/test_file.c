/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for lib/file.c.  Everything runs in a fresh temporary
 * directory.  When the test runs as root it also gives files and links to
 * another uid, to check which symbolic links are followed and which
 * leftovers are swept, and it enters a private mount namespace to check,
 * for real, the in-place fallback on a single-file bind mount and the
 * behaviour on a full (64 kB tmpfs) filesystem.
 */
#include <sys/mount.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "file.h"
#include "test.h"
#include "xmalloc.h"

static char tmpdir[] = "/tmp/test_file.XXXXXX";

static char *
tpath(const char *name)
{
	return xasprintf("%s/%s", tmpdir, name);
}

static void
put(const char *path, const char *content, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	T_ASSERT(fd != -1);
	if (fd == -1)
		return;
	T_EQ_INT(write(fd, content, strlen(content)),
	    (long long)strlen(content));
	T_EQ_INT(fchmod(fd, mode), 0);
	close(fd);
}

/* Returns the file's content (owned) or NULL. */
static char *
get(const char *path)
{
	struct buf b = BUF_INITIALIZER(1 << 20);
	char err[FILE_ERR_MAX];

	if (file_read(path, 1 << 20, &b, err, sizeof(err)) == -1)
		return NULL;
	return buf_take(&b, NULL);
}

/* Counts directory entries whose name starts with '.' and is not . or .. */
static int
hidden_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return -1;
	for (;;) {
		de = readdir(d);
		if (de == NULL)
			break;
		if (de->d_name[0] == '.' && strcmp(de->d_name, ".") != 0
		    && strcmp(de->d_name, "..") != 0)
			n++;
	}
	closedir(d);
	return n;
}

static mode_t
mode_of(const char *path)
{
	struct stat st;

	if (stat(path, &st) == -1)
		return (mode_t)-1;
	return st.st_mode & 07777;
}

static void
test_replace_new_and_existing(void)
{
	char *p = tpath("a.conf"), *s;
	char err[FILE_ERR_MAX];
	enum file_how how = FILE_IN_PLACE;
	struct file_opts keep = { .mode = -1, .backup = false };
	struct file_opts perms = { .mode = 0640, .backup = false };
	struct stat before, after;
	int oldfd;
	char oldbuf[16] = "";

	/* A new file gets 0666 less the umask, as open(2) would give. */
	umask(027);
	T_EQ_INT(file_replace(p, "one\n", 4, NULL, &how, err, sizeof(err)), 0);
	T_EQ_INT(how, FILE_RENAMED);
	T_EQ_INT(mode_of(p), 0640);
	T_EQ_INT(unlink(p), 0);
	umask(077);
	T_EQ_INT(file_replace(p, "one\n", 4, NULL, &how, err, sizeof(err)), 0);
	T_EQ_INT(how, FILE_RENAMED);
	s = get(p);
	T_EQ_STR(s, "one\n");
	free(s);
	T_EQ_INT(mode_of(p), 0600);
	/* The umask is unchanged. */
	T_EQ_INT(umask(077), 077);

	/*
	 * An existing file keeps its mode when none is given, whatever the
	 * umask; as root, its owner and group too.
	 */
	T_EQ_INT(chmod(p, 0604), 0);
	if (geteuid() == 0)
		T_EQ_INT(chown(p, 4321, 8765), 0);
	T_EQ_INT(stat(p, &before), 0);
	oldfd = open(p, O_RDONLY);
	T_EQ_INT(file_replace(p, "two\n", 4, &keep, &how, err, sizeof(err)), 0);
	T_EQ_INT(mode_of(p), 0604);
	if (geteuid() == 0) {
		T_EQ_INT(stat(p, &after), 0);
		T_EQ_INT(after.st_uid, 4321);
		T_EQ_INT(after.st_gid, 8765);
	}
	s = get(p);
	T_EQ_STR(s, "two\n");
	free(s);
	/* A reader that opened the old file still sees the old content. */
	T_EQ_INT(read(oldfd, oldbuf, sizeof(oldbuf) - 1), 4);
	T_EQ_STR(oldbuf, "one\n");
	close(oldfd);
	T_EQ_INT(stat(p, &after), 0);
	T_ASSERT(before.st_ino != after.st_ino);

	/* Given perms win; as root, the owner and group are kept too. */
	if (geteuid() == 0)
		T_EQ_INT(chown(p, 1234, 5678), 0);
	T_EQ_INT(file_replace(p, "", 0, &perms, NULL, err, sizeof(err)), 0);
	T_EQ_INT(mode_of(p), 0640);
	if (geteuid() == 0) {
		T_EQ_INT(stat(p, &after), 0);
		T_EQ_INT(after.st_uid, 1234);
		T_EQ_INT(after.st_gid, 5678);
	}
	s = get(p);
	T_EQ_STR(s, "");
	free(s);

	T_EQ_INT(hidden_entries(tmpdir), 0);
	umask(022);
	free(p);
}

static void
test_backup_and_symlink(void)
{
	char *p = tpath("b.conf"), *bak = tpath("b.conf.bak");
	char *link = tpath("link.conf"), *s;
	char err[FILE_ERR_MAX];
	struct file_opts opts = { .mode = -1, .backup = true };
	struct stat st;

	/* No previous content: no backup. */
	T_EQ_INT(file_replace(p, "v1", 2, &opts, NULL, err, sizeof(err)), 0);
	T_EQ_INT(access(bak, F_OK), -1);
	T_EQ_INT(file_replace(p, "v2", 2, &opts, NULL, err, sizeof(err)), 0);
	s = get(bak);
	T_EQ_STR(s, "v1");
	free(s);
	T_EQ_INT(file_replace(p, "v3", 2, &opts, NULL, err, sizeof(err)), 0);
	s = get(bak);
	T_EQ_STR(s, "v2");
	free(s);

	/* A symbolic link is followed and stays a link. */
	T_EQ_INT(symlink(p, link), 0);
	T_EQ_INT(file_replace(link, "v4", 2, NULL, NULL, err, sizeof(err)), 0);
	T_EQ_INT(lstat(link, &st), 0);
	T_ASSERT(S_ISLNK(st.st_mode));
	s = get(p);
	T_EQ_STR(s, "v4");
	free(s);
	T_EQ_INT(hidden_entries(tmpdir), 0);
	free(p);
	free(bak);
	free(link);
}

/*
 * The symbolic link rule: a link is followed only when every link of the
 * chain and the file it ends at belong to the owner of the destination's
 * directory.  Ownership by another user needs root to set up.
 */
static void
test_symlink_trust(void)
{
	char *dir = tpath("links"), *file, *link, *hop, *other, *s, *r;
	char *udir, *ufile, *ulink;
	char err[FILE_ERR_MAX];

	T_EQ_INT(mkdir(dir, 0755), 0);
	file = xasprintf("%s/real.conf", dir);
	link = xasprintf("%s/link.conf", dir);
	hop = xasprintf("%s/hop.conf", dir);
	other = xasprintf("%s/other.conf", dir);
	udir = xasprintf("%s/user", dir);
	ufile = xasprintf("%s/real.conf", udir);
	ulink = xasprintf("%s/link.conf", udir);
	put(file, "real\n", 0644);
	put(other, "other\n", 0644);

	/* Not a link, or missing: the path itself. */
	r = file_resolve(file, err, sizeof(err));
	T_EQ_STR(r, file);
	free(r);
	r = file_resolve(ulink, err, sizeof(err));
	T_EQ_STR(r, ulink);
	free(r);

	/* Our own chain of two links, relative, to our own file: followed. */
	T_EQ_INT(symlink("real.conf", hop), 0);
	T_EQ_INT(symlink("./hop.conf", link), 0);
	r = file_resolve(link, err, sizeof(err));
	T_NOT_NULL(r);
	T_ASSERT(r != NULL && strcmp(r + strlen(r) - 9, "real.conf") == 0);
	free(r);
	T_EQ_INT(
	    file_replace(link, "via link\n", 9, NULL, NULL, err, sizeof(err)),
	    0);
	s = get(file);
	T_EQ_STR(s, "via link\n");
	free(s);

	/* A link to a missing file, a loop: refused with the reason. */
	T_EQ_INT(unlink(hop), 0);
	T_EQ_INT(symlink("missing.conf", hop), 0);
	T_NULL(file_resolve(link, err, sizeof(err)));
	T_ASSERT(strstr(err, "symbolic link to a missing file") != NULL);
	T_EQ_INT(unlink(hop), 0);
	T_EQ_INT(symlink("link.conf", hop), 0);
	T_NULL(file_resolve(link, err, sizeof(err)));
	T_EQ_INT(errno, ELOOP);
	T_ASSERT(strstr(err, "symbolic links in a row") != NULL);
	T_EQ_INT(unlink(hop), 0);
	T_EQ_INT(symlink("real.conf", hop), 0);

	if (geteuid() != 0) {
		printf("test_symlink_trust: other owners skipped (needs "
		       "root)\n");
		goto out;
	}
	/* A link in the chain that another user owns: not followed. */
	T_EQ_INT(lchown(hop, 1234, 1234), 0);
	T_NULL(file_resolve(link, err, sizeof(err)));
	T_EQ_INT(errno, EPERM);
	T_ASSERT(strstr(err, "belongs to uid 1234") != NULL);
	T_ASSERT(strstr(err, "not followed") != NULL);
	T_EQ_INT(file_replace(link, "no\n", 3, NULL, NULL, err, sizeof(err)),
	    -1);
	T_ASSERT(strstr(err, "not followed") != NULL);
	s = get(file);
	T_EQ_STR(s, "via link\n");
	free(s);
	T_EQ_INT(lchown(hop, 0, 0), 0);

	/* The file at the end belongs to another user: not followed. */
	T_EQ_INT(chown(file, 1234, 1234), 0);
	T_EQ_INT(file_replace(link, "no\n", 3, NULL, NULL, err, sizeof(err)),
	    -1);
	T_ASSERT(strstr(err, "which belongs to uid 1234") != NULL);
	s = get(file);
	T_EQ_STR(s, "via link\n");
	free(s);
	T_EQ_INT(chown(file, 0, 0), 0);

	/*
	 * A directory another user owns: that user's link to that user's
	 * file is followed (and the file keeps its owner), our own link
	 * there is not, nor theirs to our file.
	 */
	T_EQ_INT(mkdir(udir, 0755), 0);
	T_EQ_INT(chown(udir, 1234, 1234), 0);
	put(ufile, "user\n", 0644);
	T_EQ_INT(chown(ufile, 1234, 1234), 0);
	T_EQ_INT(symlink("real.conf", ulink), 0);
	T_EQ_INT(lchown(ulink, 1234, 1234), 0);
	T_EQ_INT(file_replace(ulink, "ok\n", 3, NULL, NULL, err, sizeof(err)),
	    0);
	s = get(ufile);
	T_EQ_STR(s, "ok\n");
	free(s);
	{
		struct stat st;

		T_EQ_INT(stat(ufile, &st), 0);
		T_EQ_INT(st.st_uid, 1234);
	}
	T_EQ_INT(lchown(ulink, 0, 0), 0);
	T_NULL(file_resolve(ulink, err, sizeof(err)));
	T_EQ_INT(unlink(ulink), 0);
	T_EQ_INT(symlink(other, ulink), 0);
	T_EQ_INT(lchown(ulink, 1234, 1234), 0);
	T_NULL(file_resolve(ulink, err, sizeof(err)));
	T_ASSERT(strstr(err, "which belongs to uid 0") != NULL);
	s = get(other);
	T_EQ_STR(s, "other\n");
	free(s);
	T_EQ_INT(unlink(ulink), 0);
	T_EQ_INT(unlink(ufile), 0);
	T_EQ_INT(rmdir(udir), 0);
out:
	T_EQ_INT(unlink(link), 0);
	T_EQ_INT(unlink(hop), 0);
	T_EQ_INT(unlink(file), 0);
	T_EQ_INT(unlink(other), 0);
	T_EQ_INT(hidden_entries(dir), 0);
	T_EQ_INT(rmdir(dir), 0);
	free(dir);
	free(file);
	free(link);
	free(hop);
	free(other);
	free(udir);
	free(ufile);
	free(ulink);
}

/*
 * The sweep removes exactly the temporary files a killed writer leaves:
 * our own regular files under the exact name pattern, for the file, its
 * backup and the caller's tags; nothing that merely looks alike.
 */
static void
test_sweep(void)
{
	const char *tags[] = { "candidate", NULL };
	const char *gone[] = { ".s.conf.new-Ab12Cd", ".s.conf.candidate-xY34zW",
		".s.conf.bak.new-000000" };
	const char *kept[] = { "s.conf", ".s.conf.new-Ab12C", ".s.conf.backup",
		".s.conf.new-Ab12Cd.keep", ".s.conf.new-Ab_2Cd",
		".s.conf.other-Ab12Cd", ".t.conf.new-Ab12Cd", ".s.conf.new-",
		".s.conf.bak.candidate-Ab12Cd", ".s.conf.new-Lnk123" };
	char *dir = tpath("sweep"), *p, *f;
	char err[FILE_ERR_MAX];
	struct stat st;
	size_t i;

	T_EQ_INT(mkdir(dir, 0755), 0);
	p = xasprintf("%s/s.conf", dir);
	for (i = 0; i < sizeof(gone) / sizeof(gone[0]); i++) {
		f = xasprintf("%s/%s", dir, gone[i]);
		put(f, "x", 0600);
		free(f);
	}
	for (i = 0; i < sizeof(kept) / sizeof(kept[0]) - 1; i++) {
		f = xasprintf("%s/%s", dir, kept[i]);
		put(f, "x", 0600);
		free(f);
	}
	/* A link under our name stays, and so does what it names. */
	f = xasprintf("%s/%s", dir, kept[i]);
	T_EQ_INT(symlink("s.conf", f), 0);
	free(f);
	f = xasprintf("%s/.s.conf.new-Dir123", dir);
	T_EQ_INT(mkdir(f, 0700), 0);
	free(f);
	f = xasprintf("%s/.s.conf.new-Uid123", dir);
	put(f, "x", 0600);
	if (geteuid() == 0)
		T_EQ_INT(chown(f, 1234, 1234), 0);
	free(f);

	T_EQ_INT(file_sweep(p, tags, err, sizeof(err)),
	    (long long)(sizeof(gone) / sizeof(gone[0]))
		+ (geteuid() == 0 ? 0 : 1));
	for (i = 0; i < sizeof(gone) / sizeof(gone[0]); i++) {
		f = xasprintf("%s/%s", dir, gone[i]);
		T_EQ_INT(access(f, F_OK), -1);
		free(f);
	}
	for (i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
		f = xasprintf("%s/%s", dir, kept[i]);
		T_EQ_INT(lstat(f, &st), 0);
		T_EQ_INT(unlink(f), 0);
		free(f);
	}
	f = xasprintf("%s/.s.conf.new-Dir123", dir);
	T_EQ_INT(rmdir(f), 0);
	free(f);
	f = xasprintf("%s/.s.conf.new-Uid123", dir);
	if (geteuid() == 0)
		T_EQ_INT(unlink(f), 0);
	free(f);
	/* Nothing to sweep; a missing directory is an error. */
	T_EQ_INT(file_sweep(p, NULL, err, sizeof(err)), 0);
	T_EQ_INT(rmdir(dir), 0);
	T_EQ_INT(file_sweep(p, NULL, err, sizeof(err)), -1);
	T_ASSERT(strstr(err, "open directory") != NULL);
	free(p);
	free(dir);
}

/* Two spellings of one file give one canonical path. */
static void
test_canonical(void)
{
	char *dir = tpath("canon"), *file, *link, *a, *b, *cwd;

	T_EQ_INT(mkdir(dir, 0755), 0);
	file = xasprintf("%s/x.conf", dir);
	link = xasprintf("%s/l.conf", dir);
	put(file, "", 0644);
	T_EQ_INT(symlink("x.conf", link), 0);
	cwd = getcwd(NULL, 0);
	T_EQ_INT(chdir(dir), 0);

	a = file_canonical("x.conf");
	T_EQ_STR(a, file);
	b = file_canonical("missing/../x.conf");
	T_EQ_STR(b, a);
	free(b);
	b = file_canonical("l.conf");
	T_EQ_STR(b, a);
	free(b);
	b = file_canonical(".//./x.conf");
	T_EQ_STR(b, a);
	free(b);
	free(a);
	/* What does not exist is normalised as text. */
	a = file_canonical("new/dir/../y.conf");
	b = xasprintf("%s/new/y.conf", dir);
	T_EQ_STR(a, b);
	free(a);
	free(b);
	a = file_canonical("/../..//");
	T_EQ_STR(a, "/");
	free(a);

	T_EQ_INT(chdir(cwd), 0);
	free(cwd);
	T_EQ_INT(unlink(link), 0);
	T_EQ_INT(unlink(file), 0);
	T_EQ_INT(rmdir(dir), 0);
	free(file);
	free(link);
	free(dir);
}

static void
test_errors(void)
{
	char *p = tpath("missing/dir/x.conf"), *d = tpath("adir");
	char err[FILE_ERR_MAX];
	struct buf b = BUF_INITIALIZER(1024);

	T_EQ_INT(file_replace(p, "x", 1, NULL, NULL, err, sizeof(err)), -1);
	T_ASSERT(strstr(err, p) != NULL);
	T_ASSERT(strstr(err, "create temporary file") != NULL);

	T_EQ_INT(mkdir(d, 0755), 0);
	T_EQ_INT(file_replace(d, "x", 1, NULL, NULL, err, sizeof(err)), -1);
	T_ASSERT(strstr(err, "not a regular file") != NULL);

	errno = 0;
	T_EQ_INT(file_read(p, 100, &b, err, sizeof(err)), -1);
	T_EQ_INT(errno, ENOENT);
	T_ASSERT(strstr(err, "open") != NULL);
	buf_clear(&b);
	free(p);
	free(d);
}

/*
 * A candidate: written beside its destination under the destination's
 * name and the tag, private to the daemon, the destination untouched; a
 * failure leaves nothing behind.
 */
static void
test_write_temp(void)
{
	char *p = tpath("c.conf"), *bad = tpath("missing/c.conf"), *tmp, *s;
	char err[FILE_ERR_MAX], prefix[256];

	put(p, "live\n", 0644);
	tmp = file_write_temp(p, "candidate", "next\n", 5, err, sizeof(err));
	T_NOT_NULL(tmp);
	if (tmp == NULL)
		goto out;
	snprintf(prefix, sizeof(prefix), "%s/.c.conf.candidate-", tmpdir);
	T_ASSERT(strncmp(tmp, prefix, strlen(prefix)) == 0);
	T_EQ_INT(strlen(tmp), strlen(prefix) + 6);
	s = get(tmp);
	T_EQ_STR(s, "next\n");
	free(s);
	T_EQ_INT(mode_of(tmp), 0600);
	s = get(p);
	T_EQ_STR(s, "live\n");
	free(s);
	T_EQ_INT(hidden_entries(tmpdir), 1);
	T_EQ_INT(unlink(tmp), 0);
	free(tmp);

	T_NULL(file_write_temp(bad, "candidate", "x", 1, err, sizeof(err)));
	T_ASSERT(strstr(err, bad) != NULL);
	T_ASSERT(strstr(err, "create temporary file") != NULL);
	T_EQ_INT(hidden_entries(tmpdir), 0);
out:
	unlink(p);
	free(p);
	free(bad);
}

static void
test_read_and_changed(void)
{
	char *p = tpath("r.txt");
	char err[FILE_ERR_MAX];
	struct buf b = BUF_INITIALIZER(1024);
	bool changed = false;

	put(p, "hello world", 0644);
	T_EQ_INT(file_read(p, 100, &b, err, sizeof(err)), 0);
	T_EQ_STR(buf_str(&b), "hello world");
	/* Over the given max, and over the buffer's own cap. */
	errno = 0;
	T_EQ_INT(file_read(p, 5, &b, err, sizeof(err)), -1);
	T_EQ_INT(errno, EFBIG);
	T_EQ_INT(b.len, 0);
	buf_clear(&b);
	buf_init(&b, 4);
	T_EQ_INT(file_read(p, 100, &b, err, sizeof(err)), -1);
	T_ASSERT(strstr(err, "larger than") != NULL);
	buf_clear(&b);

	T_EQ_INT(file_changed(p, "hello world", 11, &changed, err, sizeof(err)),
	    0);
	T_ASSERT(!changed);
	T_EQ_INT(file_changed(p, "hello World", 11, &changed, err, sizeof(err)),
	    0);
	T_ASSERT(changed);
	changed = false;
	T_EQ_INT(file_changed(p, "hello", 5, &changed, err, sizeof(err)), 0);
	T_ASSERT(changed);
	changed = false;
	T_EQ_INT(
	    file_changed(p, "hello world!", 12, &changed, err, sizeof(err)), 0);
	T_ASSERT(changed);
	free(p);
	p = tpath("nonexistent");
	changed = false;
	T_EQ_INT(file_changed(p, "", 0, &changed, err, sizeof(err)), 0);
	T_ASSERT(changed);
	free(p);
}

/*
 * As root, in a private mount namespace: a single-file bind mount cannot
 * be renamed over (EBUSY), so the content must be written in place; and on
 * a full filesystem the live file must survive a failed replacement.
 */
static void
test_mounts(void)
{
	char *mnt = tpath("mnt"), *outside = tpath("outside.conf"), *src, *dst;
	char *s;
	char err[FILE_ERR_MAX];
	enum file_how how = FILE_RENAMED;
	struct file_opts opts = { .mode = -1, .backup = false };
	char *big;
	size_t biglen = 200 * 1024;

	if (geteuid() != 0 || unshare(CLONE_NEWNS) == -1
	    || mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) == -1) {
		printf("test_mounts: skipped (needs root and unshare -m)\n");
		free(mnt);
		free(outside);
		return;
	}
	T_EQ_INT(mkdir(mnt, 0755), 0);
	T_EQ_INT(mount("tmpfs", mnt, "tmpfs", 0, "size=64k"), 0);
	src = xasprintf("%s/src.conf", mnt);
	dst = xasprintf("%s/dst.conf", mnt);
	put(src, "live content\n", 0600);
	put(dst, "", 0644);
	put(outside, "", 0644);
	T_EQ_INT(mount(src, dst, NULL, MS_BIND, NULL), 0);

	/* Bind mount: rename fails with EBUSY, in-place write succeeds. */
	T_EQ_INT(file_replace(dst, "new content\n", 12, &opts, &how, err,
		     sizeof(err)),
	    0);
	T_EQ_INT(how, FILE_IN_PLACE);
	s = get(dst);
	T_EQ_STR(s, "new content\n");
	free(s);
	s = get(src);
	T_EQ_STR(s, "new content\n");
	free(s);
	T_EQ_INT(mode_of(src), 0600);
	T_EQ_INT(hidden_entries(mnt), 0);

	/* Full filesystem: the error comes back, the live file is kept. */
	big = xmalloc(biglen);
	memset(big, 'x', biglen);
	T_EQ_INT(file_replace(src, big, biglen, &opts, &how, err, sizeof(err)),
	    -1);
	T_EQ_INT(errno, ENOSPC);
	T_ASSERT(strstr(err, "write temporary file") != NULL);
	T_ASSERT(strstr(err, src) != NULL);
	s = get(src);
	T_EQ_STR(s, "new content\n");
	free(s);
	T_EQ_INT(hidden_entries(mnt), 0);
	T_NULL(
	    file_write_temp(src, "candidate", big, biglen, err, sizeof(err)));
	T_EQ_INT(errno, ENOSPC);
	T_ASSERT(strstr(err, "write temporary file") != NULL);
	T_EQ_INT(hidden_entries(mnt), 0);

	/*
	 * Behind a bind mount the temporary file is written first too, so a
	 * full filesystem keeps the live file there as well.
	 */
	T_EQ_INT(file_replace(dst, big, biglen, &opts, &how, err, sizeof(err)),
	    -1);
	T_ASSERT(strstr(err, "write temporary file") != NULL);
	s = get(dst);
	T_EQ_STR(s, "new content\n");
	free(s);
	T_EQ_INT(umount(dst), 0);

	/*
	 * Only when the destination's directory has room but the mounted
	 * file's filesystem has not does the in-place write fail, and the
	 * error says the content may be damaged.
	 */
	T_EQ_INT(mount(src, outside, NULL, MS_BIND, NULL), 0);
	T_EQ_INT(
	    file_replace(outside, big, biglen, &opts, &how, err, sizeof(err)),
	    -1);
	T_EQ_INT(errno, ENOSPC);
	T_ASSERT(strstr(err, "in-place write") != NULL);
	T_ASSERT(strstr(err, "damaged") != NULL);
	T_EQ_INT(umount(outside), 0);
	T_EQ_INT(hidden_entries(tmpdir), 0);
	free(big);

	T_EQ_INT(umount(mnt), 0);
	T_EQ_INT(rmdir(mnt), 0);
	free(src);
	free(dst);
	free(mnt);
	unlink(outside);
	free(outside);
}

static void
cleanup(void)
{
	const char *names[] = { "a.conf", "b.conf", "b.conf.bak", "link.conf",
		"r.txt", "adir" };
	char *p;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		p = tpath(names[i]);
		if (unlink(p) == -1)
			rmdir(p);
		free(p);
	}
	T_EQ_INT(rmdir(tmpdir), 0);
}

int
main(void)
{
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_replace_new_and_existing();
	test_backup_and_symlink();
	test_symlink_trust();
	test_sweep();
	test_canonical();
	test_errors();
	test_write_temp();
	test_read_and_changed();
	test_mounts();
	cleanup();
	return test_report();
}
