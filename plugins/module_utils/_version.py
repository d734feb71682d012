# -*- coding: utf-8 -*-
# Copyright: fedops.peertube contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PeerTube version order, shared by the modules: semantic versions, release candidates first."""

from __future__ import annotations

import re

_SEMVER_RE = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$")


def semver_key(version):
    """Sort key of a semantic version: a pre-release sorts before its release, numeric
    identifiers before alphanumeric ones (4.0.0-rc.1 < 4.0.0 < 4.0.1). ValueError otherwise."""
    match = _SEMVER_RE.match(str(version).strip())
    if not match:
        raise ValueError("not a semantic version: %r" % (version,))
    major, minor, patch, pre = match.groups()
    core = (int(major), int(minor), int(patch))
    if pre is None:
        return core + (1, ())
    ids = tuple((0, int(i), "") if i.isdigit() else (1, 0, i) for i in pre.split("."))
    return core + (0, ids)
