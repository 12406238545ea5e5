/*
 * fuzz_config.c: the config file (config.c through libxml2), loaded from
 * memory as config_load does after reading the file. Whatever the bytes, a
 * load either fails with an error reported or yields a config that keeps
 * the promises the rest of the server relies on.
 */
#include "../../server/util.c"
#include "../../server/config.c"
#include "../../server/router_check.c"

#include "fuzz.h"

#include <string.h>

/* Count reports, and check each is well-formed. */
static void
count_report(void *arg, const char *file, int line, enum config_severity sev, const char *msg)
{
	int *errors = arg;

	FUZZ_CHECK(file != NULL && msg != NULL && line >= 0);
	FUZZ_CHECK(sev == CONFIG_WARNING || sev == CONFIG_ERROR);
	if (sev == CONFIG_ERROR)
		(*errors)++;
}

/* What a loaded config promises. */
static void
check_config(const struct config *c)
{
	size_t i, j;

	FUZZ_CHECK(c->nlistens >= 1);
	for (i = 0; i < c->nlistens; i++)
		FUZZ_CHECK(c->listens[i].port >= 1 && c->listens[i].port <= 65535);
	for (i = 0; i < c->nmounts && c->mounts[i].password == NULL; i++)
		;
	FUZZ_CHECK(c->source_password != NULL || i < c->nmounts);	/* a source can log in */
	for (i = 0; i < c->nmounts; i++) {
		const struct config_mount *m = &c->mounts[i];

		if (m->is_default)
			FUZZ_CHECK(config_default_mount(c) == m);
		else {
			FUZZ_CHECK(m->name != NULL && m->name[0] == '/');
			FUZZ_CHECK(config_find_mount(c, m->name) == m);
		}
		FUZZ_CHECK(m->fallback_mount == NULL || m->fallback_mount[0] == '/');
		for (j = 0; j < m->nheaders; j++)
			FUZZ_CHECK(is_header_name(m->headers[j].name) &&
			    is_header_value(m->headers[j].value));
	}
	for (j = 0; j < c->nheaders; j++)
		FUZZ_CHECK(is_header_name(c->headers[j].name) &&
		    is_header_value(c->headers[j].value));
	FUZZ_CHECK(c->clients >= 1 && c->queue_size >= 0 && c->burst_size >= 0);
}

/* One input: a whole config file. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config *c;
	int errors = 0;

	c = config_load_mem((const char *)data, size, "fuzz.xml", count_report, &errors);
	FUZZ_CHECK((c == NULL) == (errors > 0));
	if (c != NULL)
		check_config(c);
	config_free(c);
	return 0;
}
