#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fedops.peertube contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: nginx_check
short_description: Check that nginx serves a PeerTube instance the way the running build needs
version_added: 0.1.0
description:
  - Runs C(nginx -t) and C(nginx -T) on the host, parses the dump with crossplane on the controller
    and checks the virtual host of O(hostname) against how PeerTube must be served (the rules of
    the collection's C(nginx-peertube.conf.j2) template).
  - Checks a TLS server for the hostname, C(proxy_pass) to the address PeerTube listens on,
    websocket locations with the upgrade headers, upload body sizes, static locations reading the
    configured storage (C(web-videos) from 6.0, private files proxied from 5.0), the C(/client/)
    bypass pointing at an existing directory holding the build that actually runs, and the TLS
    certificate and key files (present, not expiring within O(expiry_days)).
  - On the docker runtime a C(/client/) alias into the host's C(peertube-latest) (the fediverse.tv
    incident) is an error naming the location, file, line and the fix.
  - Never changes anything. Fails when an error finding exists unless O(report_only=true).
  - Needs the Python package C(ngxparse) (imported as C(crossplane)) on the controller; the host
    only needs nginx and a POSIX shell. Reading the configuration usually needs C(become).
author:
  - fedops.peertube contributors (@fedops)
extends_documentation_fragment:
  - fedops.peertube.attributes
  - fedops.peertube.attributes.info_module
  - fedops.peertube.attributes.platform
attributes:
  action:
    description: Runs as an action plugin on the controller (the parsing needs crossplane there).
    support: full
  async:
    description: Supports being used with the C(async) keyword.
    support: none
options:
  hostname:
    description: Public hostname of the instance (C(webserver.hostname)).
    type: str
    required: true
  listen:
    description: Address PeerTube listens on, C(host:port); every proxied location must reach it.
    type: str
    default: 127.0.0.1:9000
  runtime:
    description:
      - How PeerTube runs. Defaults to the runtime of O(instance), else C(baremetal).
    type: str
    choices: [baremetal, docker]
  base_dir:
    description: PeerTube's base directory. Defaults to that of O(instance), else C(/var/www/peertube).
    type: path
  storage_dir:
    description: Storage directory static locations must read. Defaults to O(base_dir)C(/storage).
    type: path
  client_dist_dir:
    description:
      - Directory holding the client assets of the running build. Defaults to
        O(base_dir)C(/peertube-latest/client/dist) on bare metal; on docker, without it, any
        C(/client/) alias into a host build is an error.
    type: path
  peertube_version:
    description:
      - Version being served, for version-dependent locations. Defaults to the version of O(instance).
    type: str
  expiry_days:
    description: A certificate expiring in fewer days than this is an error.
    type: int
    default: 14
  min_upload_size:
    description: Smallest acceptable C(client_max_body_size) for C(POST /api/v1/videos/upload), nginx syntax.
    type: str
    default: 1G
  report_only:
    description: Return the findings without failing on errors.
    type: bool
    default: false
  nginx_binary:
    description: nginx executable on the host (C(/usr/sbin) and C(/sbin) are added to E(PATH)).
    type: str
    default: nginx
  nginx_config:
    description: Main configuration file to check (C(nginx -c)); default is nginx's own.
    type: path
  instance:
    description:
      - The result of M(fedops.peertube.instance_info) (or its
        RV(fedops.peertube.instance_info#module:peertube) dict); supplies O(runtime),
        O(base_dir), O(peertube_version) and O(client_dist_dir) when not given.
    type: dict
seealso:
  - module: fedops.peertube.instance_info
  - module: fedops.peertube.live_check
"""

EXAMPLES = r"""
- name: Check the vhost of a bare-metal instance
  fedops.peertube.nginx_check:
    hostname: peertube.example.org
    peertube_version: 3.4.0
  become: true

- name: Gather the instance, then check nginx against it
  fedops.peertube.instance_info:
  register: pt_info

- name: Check nginx serves the docker build's client assets
  fedops.peertube.nginx_check:
    hostname: peertube.example.org
    instance: "{{ pt_info }}"
    client_dist_dir: /var/www/peertube/docker-assets/v4.0.0/client/dist
    report_only: true
  become: true
  register: pt_nginx

- name: Show the problems
  ansible.builtin.debug:
    msg: "{{ item.file }}:{{ item.line }} {{ item.message }} -> {{ item.fix }}"
  loop: "{{ pt_nginx.findings }}"
"""

RETURN = r"""
ok:
  description: No error finding.
  returned: always
  type: bool
  sample: false
findings:
  description: Problems found, errors and warnings.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Stable identifier of the rule, e.g. C(client_alias_host_build), C(proxy_target_mismatch).
      type: str
    severity:
      description: C(error) or C(warning).
      type: str
    message:
      description: What is wrong.
      type: str
    file:
      description: Configuration file of the offending directive, when there is one.
      type: str
    line:
      description: Line of the offending directive in RV(findings[].file).
      type: int
    fix:
      description: What to change.
      type: str
  sample:
    - id: client_alias_host_build
      severity: error
      message: >-
        PeerTube runs in docker but location ~ ^/client/(.*\.(js|css))$
        (/etc/nginx/sites-enabled/peertube:174) serves /client/ assets from the host's build
        /var/www/peertube/peertube-latest/client/dist ...
      file: /etc/nginx/sites-enabled/peertube
      line: 174
      fix: alias /var/www/peertube/docker-assets/v4.0.0/client/dist/$1; (the running image's client/dist)
nginx_test:
  description: Outcome of C(nginx -t).
  returned: always
  type: dict
  sample: {rc: 0, output: "nginx: configuration file /etc/nginx/nginx.conf test is successful"}
files:
  description: Configuration files nginx reads, in order.
  returned: success
  type: list
  elements: str
vhosts:
  description: Server blocks answering for O(hostname).
  returned: success
  type: list
  elements: dict
  sample: [{file: /etc/nginx/sites-enabled/peertube, line: 33}]
expected:
  description: What the vhost was checked against, after merging O(instance).
  returned: success
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.fedops.peertube.plugins.module_utils._nginx import ARGUMENT_SPEC


def main():
    # The work needs crossplane on the controller: it happens in plugins/action/nginx_check.py.
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    module.fail_json(msg="fedops.peertube.nginx_check runs through its action plugin; call it as a task")


if __name__ == "__main__":
    main()
