/* SPDX-License-Identifier: MIT */
/*
 * Whole-file reading and atomic replacement.  A rendered file is written
 * to a temporary file in the destination's directory, flushed, given its
 * permissions and renamed over the live file, then the directory is
 * flushed, so a reader sees either the old or the new content, never a
 * mix.  When the destination is a single-file bind mount (rename fails
 * with EBUSY or EXDEV) the content is written in place instead.
 *
 * Files a daemon writes as root may sit in directories others can write
 * to, so a symbolic link is followed only when whoever owns the
 * directory made it and owns what it leads to (file_resolve), and a
 * writer killed part-way leaves temporary files under one exact name
 * pattern that file_sweep removes.
 *
 * None of these functions logs: a failure returns -1 and fills the
 * caller's err with "<path>: <step>: <reason>", and the caller decides how
 * to report it.  errno is left as the failing system call set it.
 */
#ifndef FILE_H
#define FILE_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

#define FILE_ERR_MAX 512
#define FILE_LINKS_MAX 40 /* symbolic links followed in one chain */
/*
 * Temporary files are named ".<name>.<tag>-XXXXXX" beside the file they
 * stand for, <name> being its last component and each X a letter or a
 * digit; file_replace's own carry this tag.
 */
#define FILE_TEMP_TAG "new"
/* Cap on the previous content copied to ".bak". */
#define BUF_MAX_FILE_BACKUP (64u * 1024 * 1024)

enum file_how {
	FILE_RENAMED, /* temp file renamed over the destination */
	FILE_IN_PLACE, /* rename refused (bind mount): rewritten */
};

struct file_opts {
	/*
	 * Permission bits for the file, or -1 to keep the existing file's
	 * mode (and, when running as root, its owner and group); a file that
	 * does not exist yet is given 0666 less the process's umask, as
	 * open(2) would.
	 */
	int mode;
	/*
	 * Before replacing, copy the previous content (if any) to
	 * "<path>.bak", itself replaced atomically.
	 */
	bool backup;
};

/*
 * Where a write to path goes: path itself when it is not a symbolic link
 * (or does not exist), else the file at the end of its chain of links,
 * provided every link in the chain and that file belong to the owner of
 * path's directory, the way fs.protected_symlinks reasons: a link someone
 * else could have planted is not followed.  Returns the path, owned by
 * the caller; or NULL with err filled (and errno EPERM) when a link or
 * the file belongs to another user, or when the chain is broken, loops or
 * is longer than FILE_LINKS_MAX.
 */
char *file_resolve(const char *path, char *err, size_t errlen);

/*
 * Replaces the content of path with len bytes of data (both borrowed).
 * opts may be NULL (mode -1, no backup).  A symbolic link at path is
 * followed when file_resolve() allows it: its target is replaced and the
 * link stays; otherwise nothing is written.  On success returns
 * 0 and, when howp is not NULL, says how the content was put in place.
 * On failure returns -1 with err filled; the live file is untouched unless
 * the in-place fallback itself failed part-way (a bind-mounted file on a
 * full filesystem), which err then says.  No temporary file is left
 * behind.
 */
int file_replace(const char *path, const void *data, size_t len,
    const struct file_opts *opts, enum file_how *howp, char *err,
    size_t errlen);

/*
 * Writes len bytes of data (borrowed) to a new file beside path, named
 * ".<name>.<tag>-XXXXXX" after path's last component, mode 0600, not
 * synced: a candidate for a command to read before it may replace path.
 * tag is made of letters, digits and "-".  Returns the new file's path,
 * owned by the caller, who unlinks and frees it; or NULL with err filled
 * and no file left behind.
 */
char *file_write_temp(const char *path, const char *tag, const void *data,
    size_t len, char *err, size_t errlen);

/*
 * Removes the temporary files a writer killed part-way left behind:
 * regular files of the effective user named exactly ".<name>.<tag>-XXXXXX"
 * (see FILE_TEMP_TAG) for path and for path's ".bak", with FILE_TEMP_TAG
 * or one of tags (NULL-terminated, or NULL), in path's directory and, when
 * path is a link file_resolve() follows, in its target's.  Nothing else
 * is touched.  Call it only while nothing writes path.  Returns the number
 * of files removed, or -1 with err filled when a directory cannot be read
 * (files removed before stay removed).
 */
int file_sweep(const char *path, const char *const *tags, char *err,
    size_t errlen);

/*
 * path made absolute and free of ".", ".." and symbolic links as far as
 * it exists: its longest existing leading part resolved as realpath(3)
 * does, the rest normalised as text.  Two paths naming one file give one
 * string ("a/../x" and "x", a link and the file it leads to).  Owned by
 * the caller.
 */
char *file_canonical(const char *path);

/*
 * Reads the whole of path into out (initialised by the caller; its
 * content is replaced).  Fails when the file holds more than max bytes or
 * more than out's cap.  A missing file fails with errno ENOENT.  On
 * failure out is left empty.
 */
int file_read(const char *path, size_t max, struct buf *out, char *err,
    size_t errlen);

/*
 * Sets *changed to whether path's content differs from len bytes of data
 * (borrowed); a missing file counts as changed.  Reads in fixed chunks,
 * so there is no size cap.  Returns 0, or -1 with err filled when the
 * file exists but cannot be read; *changed is untouched then.
 */
int file_changed(const char *path, const void *data, size_t len, bool *changed,
    char *err, size_t errlen);

#endif
