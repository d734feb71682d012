# Copyright: fedops.peertube contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Render roles/common/templates/nginx-peertube.conf.j2 the way the roles do, without a host.

``python tests/unit/plugins/nginx_render.py`` rewrites tests/unit/fixtures/nginx/*/ from the
template; test_nginx_template.py fails when the committed fixtures drifted from it.
"""

from __future__ import annotations

import os

import jinja2
from ansible.plugins.filter.core import to_bool
from ansible.plugins.test.core import version_compare

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
TEMPLATE = os.path.join(REPO_ROOT, "roles", "common", "templates", "nginx-peertube.conf.j2")
FIXTURES = os.path.join(REPO_ROOT, "tests", "unit", "fixtures", "nginx")

BASE = {
    "ansible_managed": "Managed by fedops.peertube (unit test fixture)",
    "peertube_hostname": "peertube.example.org",
    "peertube_base_dir": "/var/www/peertube",
    "peertube_listen_host": "127.0.0.1",
    "peertube_listen_port": 9000,
    "peertube_tls_cert_file": "/etc/ssl/peertube/fullchain.pem",
    "peertube_tls_key_file": "/etc/ssl/peertube/privkey.pem",
    "peertube_nginx_acme_webroot": "/var/www/certbot",
    "peertube_nginx_client_bypass": True,
}

# One rendering per runtime, plus the fediverse.tv incident: PeerTube moved into a container
# while nginx kept serving /client/ from the host's peertube-latest.
SCENARIOS = {
    "baremetal": dict(
        BASE,
        peertube_runtime="baremetal",
        peertube_nginx_version="3.4.0",
        peertube_nginx_client_dist_dir="/var/www/peertube/peertube-latest/client/dist",
    ),
    "docker": dict(
        BASE,
        peertube_runtime="docker",
        peertube_nginx_version="6.0.4",
        peertube_nginx_client_dist_dir="/var/www/peertube/docker-assets/v6.0.4/client/dist",
    ),
    "incident": dict(
        BASE,
        peertube_runtime="docker",
        peertube_nginx_version="4.0.0-rc.1",
        peertube_nginx_client_dist_dir="/var/www/peertube/peertube-latest/client/dist",
    ),
}


def render(variables):
    env = jinja2.Environment(
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,  # ansible.builtin.template's default
    )
    env.tests["version"] = version_compare
    env.filters["bool"] = to_bool
    with open(TEMPLATE, encoding="utf-8") as handle:
        return env.from_string(handle.read()).render(**variables)


def fixture_path(name):
    return os.path.join(FIXTURES, name, "peertube.conf")


def write_fixtures():
    for name, variables in SCENARIOS.items():
        path = fixture_path(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(render(variables))


if __name__ == "__main__":
    write_fixtures()
