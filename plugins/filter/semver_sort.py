# -*- coding: utf-8 -*-
# Copyright: fedops.peertube contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter fedops.peertube.semver_sort: the modules' version order (module_utils/_version), for roles."""

from __future__ import annotations

DOCUMENTATION = r"""
name: semver_sort
author: fedops.peertube contributors
version_added: "0.1.0"
short_description: Sort PeerTube versions in semantic-version order
description:
  - Sorts a list of PeerTube versions the way the collection's modules order them, a release
    candidate before its release (C(4.0.0-rc.1) < C(4.0.0) < C(4.0.1)).
  - Items that are not semantic versions are dropped, so a stray directory name cannot break
    the order.
options:
  _input:
    description: Versions, with or without a leading C(v).
    type: list
    elements: str
    required: true
  reverse:
    description: Newest first.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Newest release first
  ansible.builtin.debug:
    msg: "{{ ['4.0.0', '3.4.0', '4.0.0-rc.1'] | fedops.peertube.semver_sort(reverse=true) }}"
  # => ['4.0.0', '4.0.0-rc.1', '3.4.0']
"""

RETURN = r"""
_value:
  description: The semantic versions of the input, sorted.
  type: list
  elements: str
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.fedops.peertube.plugins.module_utils._version import semver_key


def _key(version):
    try:
        return semver_key(version)
    except ValueError:
        return None


def semver_sort(versions, reverse=False):
    if isinstance(versions, (str, bytes)) or not hasattr(versions, "__iter__"):
        raise AnsibleFilterError("semver_sort expects a list of versions, got %r" % (versions,))
    keyed = [(key, str(version)) for version, key in ((v, _key(v)) for v in versions) if key is not None]
    return [version for _key_unused, version in sorted(keyed, reverse=bool(reverse))]


class FilterModule:
    def filters(self):
        return {"semver_sort": semver_sort}
