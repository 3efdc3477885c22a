/* Management commands: the configuration as a whole (CONFIG_DUMP: the
 * running config as INI text, CONFIG_RELOAD: load a file and apply the
 * difference).
 *
 * CONFIG_DUMP renders the text once (config_dump_ini inside
 * ops->config_read) when the request arrives and then sends it in
 * CONFIG_TEXT pieces of NATGW_MGMT_TEXT_CHUNK bytes, several per datagram, as
 * the client reads: a big configuration never makes a big message. The text
 * is what natgw --check accepts and what CONFIG_RELOAD loads back.
 * CONFIG_RELOAD hands the path to ops->config_reload (the daemon's SIGHUP
 * path: a file that fails validation changes nothing). Server thread only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/mgmt_server_int.h"

struct cfg_dump {
	char *text;
	size_t len;
};

/* config_read callback: render the running config. */
static int cfg_dump_cb(const struct natgw_config *cfg, void *arg)
{
	struct cfg_dump *cd = arg;

	cd->text = config_dump_ini(cfg);
	if (cd->text == NULL)
		return -ENOMEM;
	cd->len = strlen(cd->text);
	return 0;
}

/* Release: free the text. */
static void cfg_dump_release(struct mgmt_dump *d)
{
	struct cfg_dump *cd = d->priv;

	free(cd->text);
}

/* Dump fill: CONFIG_TEXT pieces from offset pos[0]. */
static int cfg_dump_fill(struct mgmt_dump *d)
{
	struct cfg_dump *cd = d->priv;

	while (d->pos[0] < cd->len) {
		size_t n = cd->len - d->pos[0];
		struct nl_msg *m;

		if (n > NATGW_MGMT_TEXT_CHUNK)
			n = NATGW_MGMT_TEXT_CHUNK;
		if (mgmt_dump_full(d))
			return 1;
		m = mgmt_dump_msg(d);
		if (m == NULL || nla_put(m, MGMT_A_CONFIG_TEXT, (int)n, cd->text + d->pos[0]) < 0) {
			nlmsg_free(m);
			return mgmt_dump_fail(d, -ENOMEM, "out of memory building a config message");
		}
		if (mgmt_dump_emit(d, m) < 0)
			return d->rc;
		d->pos[0] += n;
	}
	return 0;
}

/* CONFIG_DUMP. */
int mgmt_cmd_config_dump(struct mgmt_req *r)
{
	struct mgmt_dump *d;
	int rc;

	if (r->ops->config_read == NULL)
		return mgmt_fail(r, -EOPNOTSUPP, "this natgw cannot show its configuration");
	d = mgmt_dump_start(r, cfg_dump_fill, sizeof(struct cfg_dump));
	if (d == NULL)
		return mgmt_fail(r, -ENOMEM, "out of memory");
	d->release = cfg_dump_release;
	rc = r->ops->config_read(r->ops->ctx, cfg_dump_cb, d->priv);
	if (rc < 0)
		return mgmt_fail(r, rc, "cannot write the running configuration: %s", strerror(-rc));
	return 0;
}

/* CONFIG_RELOAD. */
int mgmt_cmd_config_reload(struct mgmt_req *r)
{
	char path[NATGW_PATH_MAX] = "";
	char text[NATGW_PATH_MAX + 32];
	int rc;

	if (r->ops->config_reload == NULL)
		return mgmt_fail(r, -EOPNOTSUPP, "this natgw cannot reload its configuration");
	if (r->msg->tb[MGMT_A_PATH]) {
		mgmt_attr_str(r->msg->tb[MGMT_A_PATH], path, sizeof(path));
		if (path[0] != '/')
			return mgmt_fail(r, -EINVAL, "config path \"%s\" is not absolute", path);
	}
	r->err[0] = '\0';
	rc = r->ops->config_reload(r->ops->ctx, path[0] ? path : NULL, r->err, sizeof(r->err));
	if (rc < 0) {
		if (r->err[0] == '\0')
			snprintf(r->err, sizeof(r->err), "reload failed: %s", strerror(-rc));
		return rc;
	}
	snprintf(text, sizeof(text), "config reload %s", path[0] ? path : "(startup file)");
	mgmt_server_notify(r->srv, MGMT_EV_CONFIG_CHANGED, text);
	return 0;
}
