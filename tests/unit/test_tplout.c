/* SPDX-License-Identifier: MIT */
/*
 * The templater's output pipeline (out.c) on a real loop with real child
 * processes: identical content is not rewritten and runs no command; a
 * candidate the check rejects never replaces the live file; a failing
 * command gets the previous content back and runs again; the candidate's
 * path reaches the check through the placeholder and the environment.
 * A command never runs twice at once, for one template or two, and a
 * change that comes while it runs is written and runs it once more.
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

/* Pipelines done in test_serialised(), and how many it waits for. */
static int serial_done, serial_want;

static void
serial_finished(void *arg, bool failed)
{
	(void)arg;
	T_ASSERT(!failed);
	if (++serial_done == serial_want)
		loop_stop(loop);
}

/* A change offered while the command runs. */
static void
serial_change(struct loop *l, struct loop_timer *timer, void *arg)
{
	(void)l;
	(void)timer;
	out_offer(arg, "two b\n", 6, 0);
}

/*
 * One command text for two templates, slow on purpose: its runs must
 * follow one another ("start" "end" pairs in its log, never two starts
 * in a row), and a change made during a run must be written and run the
 * command once more after it.
 */
static void
test_serialised(const char *dir)
{
	char one[128], two[128], log[160], cmdtext[512], err[CONFIG_ERR_MAX];
	struct config_template t1 = { 0 }, t2 = { 0 };
	struct render_stats stats = { 0 };
	struct loop_timer change;
	struct out *o1, *o2;
	char *s;

	snprintf(one, sizeof(one), "%s/one.conf", dir);
	snprintf(two, sizeof(two), "%s/two.conf", dir);
	snprintf(log, sizeof(log), "%s/serial.log", dir);
	snprintf(cmdtext, sizeof(cmdtext),
	    "echo start >>%s; sleep 0.3; echo end >>%s", log, log);
	t1.name = "one";
	t1.destination = one;
	t1.perms = -1;
	t1.command_timeout_ms = 5000;
	t1.command = config_cmd_parse(cmdtext, err, sizeof(err));
	T_NOT_NULL(t1.command);
	t2 = t1;
	t2.name = "two";
	t2.destination = two;
	t2.command = config_cmd_parse(cmdtext, err, sizeof(err));
	T_NOT_NULL(t2.command);
	o1 = out_new(loop, &t1, false, &stats, serial_finished, NULL);
	o2 = out_new(loop, &t2, false, &stats, serial_finished, NULL);

	/* Both files change at once: the second command waits its turn. */
	serial_done = 0;
	serial_want = 2;
	out_offer(o1, "one\n", 4, 0);
	out_offer(o2, "two a\n", 6, 0);
	loop_run(loop);
	s = slurp(log);
	T_EQ_STR(s, "start\nend\nstart\nend\n");
	free(s);

	/* A change during the command: written, and the command runs again. */
	T_EQ_INT(unlink(log), 0);
	serial_done = 0;
	loop_timer_init(&change, serial_change, o2);
	out_offer(o2, "two c\n", 6, 0);
	loop_timer_start(loop, &change, 100);
	loop_run(loop);
	s = slurp(two);
	T_EQ_STR(s, "two b\n");
	free(s);
	s = slurp(log);
	T_EQ_STR(s, "start\nend\nstart\nend\n");
	free(s);
	T_ASSERT(!out_busy(o1) && !out_busy(o2));
	T_EQ_INT(stats.writes, 4);

	out_free(o1);
	out_free(o2);
	config_cmd_free(t1.command);
	config_cmd_free(t2.command);
	unlink(one);
	unlink(two);
	unlink(log);
}

int
main(void)
{
	char dir[] = "/tmp/test_tplout.XXXXXX";
	char dest[128], marker[128], cmdtext[512], err[CONFIG_ERR_MAX];
	char leftover[160];
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

	/*
	 * A candidate and a temporary file a killed run left behind are
	 * removed when a pipeline for the destination is created; a file
	 * that only looks alike is kept.
	 */
	snprintf(leftover, sizeof(leftover), "%s/.out.conf.candidate-Ab12Cd",
	    dir);
	write_file(leftover, "stale");
	snprintf(leftover, sizeof(leftover), "%s/.out.conf.new-Ab12Cd", dir);
	write_file(leftover, "stale");
	snprintf(leftover, sizeof(leftover), "%s/.out.conf.backup", dir);
	write_file(leftover, "mine");
	o = out_new(loop, &t, true, &stats, done, NULL);
	T_EQ_INT(count_entries(dir), 5);
	out_free(o);
	o = out_new(loop, &t, false, &stats, done, NULL);
	T_EQ_INT(count_entries(dir), 3);
	T_EQ_INT(access(leftover, F_OK), 0);
	T_EQ_INT(unlink(leftover), 0);

	test_serialised(dir);

	out_free(o);
	config_cmd_free(t.check);
	config_cmd_free(t.command);
	loop_free(loop);
	unlink(dest);
	unlink(marker);
	rmdir(dir);
	return test_report();
}
