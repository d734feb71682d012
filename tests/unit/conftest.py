# Copyright: fedops.peertube contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Make ``ansible_collections.fedops.peertube`` importable from the working tree.

The collection root is the repository root, so a symlink farm
``<tmp>/ansible_collections/fedops/peertube -> <repo>`` is put on ``sys.path`` before any test
module is imported.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _install_collection_path():
    # Inside an ansible-test copy (.../ansible_collections/fedops/peertube) nothing is needed.
    parts = REPO_ROOT.split(os.sep)
    if parts[-3:-1] == ["ansible_collections", "fedops"]:
        root = os.sep.join(parts[:-3])
    else:
        root = tempfile.mkdtemp(prefix="fedops-peertube-unit-")
        namespace = os.path.join(root, "ansible_collections", "fedops")
        os.makedirs(namespace)
        os.symlink(REPO_ROOT, os.path.join(namespace, "peertube"))
        # rmtree unlinks the symlink, it never follows it into the repository.
        atexit.register(shutil.rmtree, root, True)
    if root not in sys.path:
        sys.path.insert(0, root)
    # ansible's collection loader may already be active; make sure a plain import works too.
    for name in list(sys.modules):
        if name == "ansible_collections" or name.startswith("ansible_collections."):
            del sys.modules[name]


_install_collection_path()
