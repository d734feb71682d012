#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fedops.peertube contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: instance_info
short_description: Facts about one PeerTube instance, read from its host
version_added: 0.1.0
description:
  - Reads the releases present under C(versions/), the C(peertube-latest) link (a dangling link
    is reported), the collection's host state file (runtime, image, recorded manual migrations,
    backups), the service state from systemd and optionally the database schema version
    (C(application.migrationVersion)).
  - Returns one RV(peertube) dictionary meant for M(ansible.builtin.assert) and for
    M(fedops.peertube.nginx_check)'s O(fedops.peertube.nginx_check#module:instance) option.
  - Never changes anything.
author:
  - fedops.peertube contributors (@fedops)
extends_documentation_fragment:
  - fedops.peertube.attributes
  - fedops.peertube.attributes.info_module
  - fedops.peertube.attributes.platform
options:
  base_dir:
    description: PeerTube's base directory (holds C(versions/), C(peertube-latest), C(storage/)).
    type: path
    default: /var/www/peertube
  state_file:
    description: The collection's host state file.
    type: path
    default: /etc/ansible/facts.d/peertube.fact
  service_unit:
    description:
      - systemd unit running PeerTube (bare metal or the container's unit). Defaults to the
        state file's C(service_unit), else C(peertube).
    type: str
  schema_version:
    description: Query the database for C(application.migrationVersion).
    type: bool
    default: false
  db_name:
    description: PeerTube's database.
    type: str
    default: peertube_prod
  db_user:
    description: Database role to connect as when O(db_password) is given.
    type: str
    default: peertube
  db_password:
    description:
      - Password of O(db_user); connects over TCP to O(db_host). Without it, psql runs as the
        C(postgres) system user over the local socket (peer authentication, needs root).
    type: str
  db_host:
    description: Database host for password authentication.
    type: str
    default: 127.0.0.1
  db_port:
    description: Database port.
    type: int
    default: 5432
notes:
  - O(schema_version=true) needs C(psql) on the host.
seealso:
  - module: fedops.peertube.nginx_check
  - module: fedops.peertube.live_check
"""

EXAMPLES = r"""
- name: Read the instance
  fedops.peertube.instance_info:
    schema_version: true
  become: true
  register: pt_info

- name: Refuse to upgrade a broken instance
  ansible.builtin.assert:
    that:
      - not pt_info.peertube.link.dangling
      - pt_info.peertube.service.active == 'active'
      - pt_info.peertube.schema_version == pt_info.peertube.schema_version_recorded
    fail_msg: "{{ pt_info.peertube.warnings }}"
"""

RETURN = r"""
peertube:
  description: What the host says about the instance.
  returned: always
  type: dict
  contains:
    base_dir:
      description: The base directory inspected.
      type: str
    base_dir_exists:
      description: Whether it exists.
      type: bool
    versions:
      description: Releases unpacked under C(versions/), oldest first (C(X.Y.Z) or C(X.Y.Z-rc.N)).
      type: list
      elements: str
      sample: [3.4.0, 4.0.0]
    link:
      description: The C(peertube-latest) link.
      type: dict
      contains:
        path:
          description: Path of the link.
          type: str
        exists:
          description: The link (or a directory of that name) exists.
          type: bool
        is_link:
          description: It is a symbolic link.
          type: bool
        target:
          description: Raw link target.
          type: str
        dangling:
          description: The link points at nothing (systemd then fails with C(status=200/CHDIR)).
          type: bool
        version:
          description: Version named by the target (C(peertube-vX.Y.Z)).
          type: str
    link_version:
      description: Version the C(peertube-latest) link selects.
      type: str
      sample: 4.0.0
    version:
      description:
        - Version that runs. On docker the recorded one (the link may still name the old
          bare-metal build).
      type: str
    recorded_version:
      description: C(version) of the state file.
      type: str
    previous_version:
      description: Version before the last upgrade (state file).
      type: str
    runtime:
      description: C(baremetal) or C(docker) from the state file, null when nothing was recorded.
      type: str
    image:
      description: Docker image (docker runtime).
      type: str
    image_digest:
      description: Docker image digest (docker runtime).
      type: str
    client_dist_dir:
      description:
        - Client assets of the running build (bare metal C(peertube-latest/client/dist); docker
          from the state file's C(client_dist_dir)).
      type: str
    service:
      description: systemd view of O(service_unit).
      type: dict
      contains:
        unit:
          description: Unit name.
          type: str
        active:
          description: Output of C(systemctl is-active) (C(active), C(inactive), C(failed), C(unknown) ...).
          type: str
        enabled:
          description: Output of C(systemctl is-enabled) (C(enabled), C(disabled), C(not-found) ...).
          type: str
    schema_version:
      description: C(application.migrationVersion) read now; null unless O(schema_version=true).
      type: int
    schema_version_recorded:
      description: C(schema_version) of the state file.
      type: int
    schema_error:
      description: Why the schema version could not be read.
      type: str
    migrations_done:
      description: Manual migrations recorded in the state file.
      type: list
      elements: dict
    last_backup:
      description: Newest recorded backup (C(from_version), C(to_version), C(time), C(db_dump), C(files)).
      type: dict
    backups:
      description: Number of recorded backups.
      type: int
    hls_manifests:
      description: Manifests written by C(hls_rename).
      type: list
      elements: str
    installed_at:
      description: Installation time (ISO 8601 UTC).
      type: str
    state_file:
      description: Path of the state file read.
      type: str
    state:
      description: The whole state file.
      type: dict
    warnings:
      description: Inconsistencies worth a look (dangling link, link and state disagreeing ...).
      type: list
      elements: str
"""

import os
import re

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.fedops.peertube.plugins.module_utils._state import StateError, read_state
from ansible_collections.fedops.peertube.plugins.module_utils._version import semver_key as version_key

VERSION_DIR_RE = re.compile(r"^peertube-v(\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?)$")


def list_versions(base_dir):
    directory = os.path.join(base_dir, "versions")
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    found = []
    for name in names:
        match = VERSION_DIR_RE.match(name)
        if match and os.path.isdir(os.path.join(directory, name)):
            found.append(match.group(1))
    return sorted(found, key=version_key)


def read_link(base_dir):
    path = os.path.join(base_dir, "peertube-latest")
    info = {
        "path": path,
        "exists": os.path.lexists(path),
        "is_link": os.path.islink(path),
        "target": None,
        "dangling": False,
        "version": None,
    }
    if info["is_link"]:
        info["target"] = os.readlink(path)
        info["dangling"] = not os.path.exists(path)
        match = VERSION_DIR_RE.match(os.path.basename(os.path.normpath(info["target"])))
        if match:
            info["version"] = match.group(1)
    return info


def systemctl(module, verb, unit):
    path = module.get_bin_path("systemctl")
    if path is None:
        return "unknown"
    # is-active/is-enabled exit non-zero for inactive/disabled units: the word is the answer.
    _rc, out, _err = module.run_command([path, verb, unit])
    return out.strip().splitlines()[0] if out.strip() else "unknown"


def query_schema(module):
    params = module.params
    psql = module.get_bin_path("psql")
    if psql is None:
        return None, "psql not found on the host"
    sql = 'SELECT "migrationVersion" FROM application'
    cmd = [psql, "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", params["db_name"], "-c", sql]
    env = {}
    if params["db_password"] is not None:
        cmd += ["-h", params["db_host"], "-p", str(params["db_port"]), "-U", params["db_user"]]
        env["PGPASSWORD"] = params["db_password"]
    else:
        runuser = module.get_bin_path("runuser")
        if runuser is None or os.geteuid() != 0:
            return None, "without db_password the schema is read as the postgres user: run as root"
        cmd = [runuser, "-u", "postgres", "--"] + cmd
    env["PGCONNECT_TIMEOUT"] = "10"
    rc, out, err = module.run_command(cmd, environ_update=env, cwd="/")
    if rc != 0:
        return None, (err or out).strip()
    try:
        return int(out.strip().splitlines()[0]), None
    except (ValueError, IndexError):
        return None, "unexpected answer from psql: %r" % out.strip()


def gather(module):
    params = module.params
    base_dir = params["base_dir"]
    warnings = []
    try:
        state = read_state(params["state_file"])
    except StateError as exc:
        module.fail_json(msg=str(exc))
    link = read_link(base_dir)
    runtime = state.get("runtime")
    versions = list_versions(base_dir)
    if link["dangling"]:
        warnings.append("%s points at %s, which does not exist" % (link["path"], link["target"]))
    elif link["exists"] and not link["is_link"]:
        warnings.append("%s is not a symbolic link" % link["path"])
    if runtime == "docker":
        version = state.get("version")
        client_dist_dir = state.get("client_dist_dir")
    else:
        version = link["version"] if not link["dangling"] else None
        version = version or state.get("version")
        client_dist_dir = os.path.join(base_dir, "peertube-latest", "client", "dist")
        if link["version"] and state.get("version") and link["version"] != state.get("version"):
            warnings.append(
                "peertube-latest selects %s but the state file records %s"
                % (link["version"], state["version"])
            )
    backups = state.get("backups") or []
    unit = params["service_unit"] or state.get("service_unit") or "peertube"
    info = {
        "base_dir": base_dir,
        "base_dir_exists": os.path.isdir(base_dir),
        "versions": versions,
        "link": link,
        "link_version": link["version"],
        "version": version,
        "recorded_version": state.get("version"),
        "previous_version": state.get("previous_version"),
        "runtime": runtime,
        "image": state.get("image"),
        "image_digest": state.get("image_digest"),
        "client_dist_dir": client_dist_dir,
        "service": {
            "unit": unit,
            "active": systemctl(module, "is-active", unit),
            "enabled": systemctl(module, "is-enabled", unit),
        },
        "schema_version": None,
        "schema_version_recorded": state.get("schema_version"),
        "schema_error": None,
        "migrations_done": state.get("migrations_done") or [],
        "last_backup": backups[-1] if backups else None,
        "backups": len(backups),
        "hls_manifests": state.get("hls_manifests") or [],
        "installed_at": state.get("installed_at"),
        "state_file": params["state_file"],
        "state": state,
        "warnings": warnings,
    }
    if params["schema_version"]:
        info["schema_version"], info["schema_error"] = query_schema(module)
        if info["schema_error"]:
            warnings.append("schema version unreadable: %s" % info["schema_error"])
    return info


def main():
    module = AnsibleModule(
        argument_spec=dict(
            base_dir=dict(type="path", default="/var/www/peertube"),
            state_file=dict(type="path", default="/etc/ansible/facts.d/peertube.fact"),
            service_unit=dict(type="str"),
            schema_version=dict(type="bool", default=False),
            db_name=dict(type="str", default="peertube_prod"),
            db_user=dict(type="str", default="peertube"),
            db_password=dict(type="str", no_log=True),
            db_host=dict(type="str", default="127.0.0.1"),
            db_port=dict(type="int", default=5432),
        ),
        supports_check_mode=True,
    )
    module.exit_json(changed=False, peertube=gather(module))


if __name__ == "__main__":
    main()
