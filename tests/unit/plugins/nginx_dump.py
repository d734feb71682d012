# Copyright: fedops.peertube contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Build ``nginx -T`` output the way nginx 1.22 prints it (header, file verbatim, newline)."""

from __future__ import annotations

import os

from nginx_render import FIXTURES

MAIN_CONF = """user www-data;
worker_processes auto;
pid /run/nginx.pid;
events {
  worker_connections 768;
}
http {
  include /etc/nginx/mime.types;
  access_log /var/log/nginx/access.log;
  include /etc/nginx/conf.d/*.conf;
  include /etc/nginx/sites-enabled/*;
}
"""

MIME = """types {
    text/html html;
    application/javascript js;
}
"""

SITE = "/etc/nginx/sites-enabled/peertube"


def dump(site_text, extra=()):
    files = [("/etc/nginx/nginx.conf", MAIN_CONF), ("/etc/nginx/mime.types", MIME), (SITE, site_text)]
    files.extend(extra)
    return "".join("# configuration file %s:\n%s\n" % (name, text) for name, text in files)


def fixture(name):
    with open(os.path.join(FIXTURES, name, "peertube.conf"), encoding="utf-8") as handle:
        return handle.read()
