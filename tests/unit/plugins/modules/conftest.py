# Copyright: fedops.peertube contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every module test runs main() in-process (see module_harness)."""

from __future__ import annotations

import pytest
from module_harness import patch_exits


@pytest.fixture(autouse=True)
def _no_exit(monkeypatch):
    patch_exits(monkeypatch)
