#!/usr/bin/python
# Copyright: fedops.peertube contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: instance_state
short_description: Merge keys into the host state file of a PeerTube instance
version_added: 0.1.0
description:
  - Reads the JSON object kept in O(path) (an Ansible local facts file), replaces the keys given
    in O(set), appends the items given in O(append) to list keys, and writes the result back
    atomically (temporary file in the same directory, then rename).
  - The file is only written when its content changes, so re-running a role reports no change.
  - Every role of the collection records what it did here and reads it back
    (as C(ansible_local.peertube) or through M(fedops.peertube.instance_info)).
author:
  - fedops.peertube contributors (@fedops)
options:
  path:
    description:
      - The state file. Its directory is created (mode 0755) when missing.
    type: path
    default: /etc/ansible/facts.d/peertube.fact
  set:
    description:
      - Keys to set; a value replaces the recorded one.
    type: dict
    default: {}
  append:
    description:
      - Keys holding lists; each given list is appended to the recorded list (created when missing).
      - A non-list value is appended as one item.
    type: dict
    default: {}
attributes:
  check_mode:
    support: full
    description: Computes the new content and the diff without writing.
  diff_mode:
    support: full
    description: Shows the JSON before and after.
  idempotent:
    support: full
    description: Setting keys to their recorded values changes nothing; O(append) always adds items.
notes:
  - The file holds no secrets; it is written with mode 0644 so the facts are readable.
"""

EXAMPLES = r"""
- name: Record the installed version
  fedops.peertube.instance_state:
    set:
      version: 3.4.0
      runtime: baremetal

- name: Record a finished manual migration
  fedops.peertube.instance_state:
    append:
      migrations_done:
        - id: hls-rename-4.0
          version: 4.0.0
          time: "{{ now(utc=true).isoformat() }}"
"""

RETURN = r"""
state:
  description: The state after the merge (what is, or in check mode would be, in the file).
  returned: success
  type: dict
  sample: {"version": "3.4.0", "runtime": "baremetal"}
previous:
  description: The state before the merge.
  returned: success
  type: dict
  sample: {}
path:
  description: The state file.
  returned: success
  type: str
  sample: /etc/ansible/facts.d/peertube.fact
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.fedops.peertube.plugins.module_utils._state import (
    DEFAULT_STATE_FILE,
    StateError,
    dump_state,
    merge_state,
    read_state,
    write_state,
)


def run(module):
    path = module.params["path"]
    try:
        before = read_state(path)
    except StateError as exc:
        module.fail_json(msg=str(exc), path=path)
    after = merge_state(before, module.params["set"], module.params["append"])
    changed = dump_state(after) != dump_state(before)
    result = {"changed": changed, "state": after, "previous": before, "path": path}
    if module._diff:
        result["diff"] = {
            "before": dump_state(before),
            "after": dump_state(after),
            "before_header": path,
            "after_header": path,
        }
    if changed and not module.check_mode:
        try:
            write_state(path, after)
        except OSError as exc:
            module.fail_json(msg=f"cannot write {path}: {exc}", path=path)
    module.exit_json(**result)


def main():
    module = AnsibleModule(
        argument_spec={
            "path": {"type": "path", "default": DEFAULT_STATE_FILE},
            "set": {"type": "dict", "default": {}},
            "append": {"type": "dict", "default": {}},
        },
        supports_check_mode=True,
    )
    run(module)


if __name__ == "__main__":
    main()
