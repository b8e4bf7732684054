/* SPDX-License-Identifier: MIT */
/*
 * The templater's output pipeline (out.c) on a real loop with real child
 * processes: identical content is not rewritten and runs no command; a
 * candidate the check rejects never replaces the live file; a failing
 * command gets the previous content back and runs again; the candidate's
 * path reaches the check through the placeholder and the environment.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "file.h"
#include "loop.h"
#include "proc.h"
#include "templater.h"
#include "test.h"

static struct loop *loop;
static int runs;
static bool last_failed;
static int reports;
static enum report_kind last_kind;

static void
done(void *arg, bool failed)
{
	(void)arg;
	runs++;
	last_failed = failed;
	loop_stop(loop);
}

static void
report(const struct report *r, void *arg)
{
	(void)arg;
	reports++;
	last_kind = r->kind;
}

/* Offers content and runs the loop until the pipeline is done. */
static void
offer(struct out *o, const char *s)
{
	int before = runs;

	out_offer(o, s, strlen(s), 0);
	while (runs == before)
		loop_run(loop);
}

static char *
slurp(const char *path)
{
	struct buf b = BUF_INITIALIZER(1 << 20);
	char err[FILE_ERR_MAX];

	if (file_read(path, 1 << 20, &b, err, sizeof(err)) == -1)
		return strdup("(unreadable)");
	return buf_take(&b, NULL);
}

static void
write_file(const char *path, const char *s)
{
	FILE *fp = fopen(path, "w");

	fputs(s, fp);
	fclose(fp);
}

/* Entries of dir other than . and .. */
static int
count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	for (e = readdir(d); e != NULL; e = readdir(d))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

int
main(void)
{
	char dir[] = "/tmp/test_tplout.XXXXXX";
	char dest[128], marker[128], cmdtext[512], err[CONFIG_ERR_MAX];
	struct config_template t = { 0 };
	struct render_stats stats = { 0 };
	struct out *o;
	struct stat st;
	char *s;

	T_NOT_NULL(mkdtemp(dir));
	snprintf(dest, sizeof(dest), "%s/out.conf", dir);
	snprintf(marker, sizeof(marker), "%s/ran", dir);
	write_file(dest, "old\n");
	loop = loop_new();
	T_EQ_INT(proc_reaper_add(loop), 0);

	t.name = "unit";
	t.destination = dest;
	t.perms = -1;
	t.command_timeout_ms = 5000;
	/* The check wants "good" in the candidate, never in the live file. */
	snprintf(cmdtext, sizeof(cmdtext),
	    "[\"sh\", \"-c\", \"grep -q good \\\"$1\\\" && "
	    "grep -q good \\\"$TEMPLATER_CANDIDATE\\\" && "
	    "test \\\"$1\\\" != %s\", \"check\", \"{{.}}\"]",
	    dest);
	t.check = config_cmd_parse(cmdtext, err, sizeof(err));
	T_NOT_NULL(t.check);
	/* The command fails when the live file says "breaks". */
	snprintf(cmdtext, sizeof(cmdtext), "echo run >>%s; ! grep -q breaks %s",
	    marker, dest);
	t.command = config_cmd_parse(cmdtext, err, sizeof(err));
	T_NOT_NULL(t.command);

	o = out_new(loop, &t, false, &stats, done, NULL);
	out_set_report(o, report, NULL);

	/* Rejected by the check: the live file is untouched. */
	offer(o, "bad\n");
	T_ASSERT(last_failed);
	s = slurp(dest);
	T_EQ_STR(s, "old\n");
	free(s);
	T_EQ_INT(stats.check_failures, 1);
	T_EQ_INT(reports, 1);
	T_EQ_INT(last_kind, REPORT_CHECK);
	T_ASSERT(stat(marker, &st) == -1);

	/* Accepted: written, command run once. */
	offer(o, "good 1\n");
	T_ASSERT(!last_failed);
	s = slurp(dest);
	T_EQ_STR(s, "good 1\n");
	free(s);
	s = slurp(marker);
	T_EQ_STR(s, "run\n");
	free(s);
	T_EQ_INT(stats.writes, 1);

	/* Identical: nothing written, no command. */
	offer(o, "good 1\n");
	T_ASSERT(!last_failed);
	T_EQ_INT(stats.writes, 1);
	s = slurp(marker);
	T_EQ_STR(s, "run\n");
	free(s);

	/* The command fails: rolled back, command run again on the old. */
	offer(o, "good but breaks\n");
	T_ASSERT(last_failed);
	s = slurp(dest);
	T_EQ_STR(s, "good 1\n");
	free(s);
	s = slurp(marker);
	T_EQ_STR(s, "run\nrun\nrun\n");
	free(s);
	T_EQ_INT(stats.command_failures, 1);
	T_EQ_INT(last_kind, REPORT_COMMAND);

	/* No candidate file is left behind in the directory. */
	T_EQ_INT(count_entries(dir), 2);

	out_free(o);
	config_cmd_free(t.check);
	config_cmd_free(t.command);
	loop_free(loop);
	unlink(dest);
	unlink(marker);
	rmdir(dir);
	return test_report();
}
