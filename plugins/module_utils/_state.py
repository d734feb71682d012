# -*- coding: utf-8 -*-
# Copyright: fedops.peertube contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Host state of a PeerTube instance: one JSON object in an Ansible local facts file.

Every role records what it did here (version, runtime, backups, migrations) and reads it back
instead of guessing; see docs/ARCHITECTURE.md for the keys.
"""

from __future__ import annotations

import json
import os
import tempfile

DEFAULT_STATE_FILE = "/etc/ansible/facts.d/peertube.fact"


class StateError(Exception):
    """The state file exists but cannot be used."""


def read_state(path=DEFAULT_STATE_FILE):
    """Return the recorded state, or an empty dict when nothing was recorded yet."""
    try:
        with open(path, "r", encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise StateError("cannot read %s: %s" % (path, exc)) from exc
    if not text.strip():
        return {}
    try:
        state = json.loads(text)
    except ValueError as exc:
        raise StateError("%s is not valid JSON (%s): fix or remove it" % (path, exc)) from exc
    if not isinstance(state, dict):
        raise StateError("%s must hold a JSON object" % path)
    return state


def merge_state(state, updates, append=None):
    """Return a new state: ``updates`` replace keys, ``append`` adds items to list keys."""
    merged = dict(state)
    merged.update(updates or {})
    for key, items in (append or {}).items():
        current = list(merged.get(key) or [])
        current.extend(items if isinstance(items, list) else [items])
        merged[key] = current
    return merged


def dump_state(state):
    return json.dumps(state, indent=2, sort_keys=True) + "\n"


def write_state(path, state):
    """Write the state atomically: a reader sees the old file or the new one, never half."""
    directory = os.path.dirname(path) or "."
    os.makedirs(directory, mode=0o755, exist_ok=True)
    fd, tmp_path = tempfile.mkstemp(prefix=".peertube.fact.", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(dump_state(state))
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_path, 0o644)
        os.replace(tmp_path, path)
    except BaseException:
        if os.path.exists(tmp_path):
            os.unlink(tmp_path)
        raise
