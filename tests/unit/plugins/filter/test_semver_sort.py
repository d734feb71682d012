# -*- coding: utf-8 -*-
# Copyright: fedops.peertube contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.fedops.peertube.plugins.filter.semver_sort import FilterModule, semver_sort


def test_release_candidates_sort_before_their_release():
    assert semver_sort(["4.0.0", "3.4.0", "4.0.0-rc.1", "10.0.0", "4.0.1"]) == [
        "3.4.0",
        "4.0.0-rc.1",
        "4.0.0",
        "4.0.1",
        "10.0.0",
    ]


def test_reverse_puts_the_newest_first():
    assert semver_sort(["4.0.0-rc.2", "4.0.0-rc.10", "4.0.0"], reverse=True) == [
        "4.0.0",
        "4.0.0-rc.10",
        "4.0.0-rc.2",
    ]


def test_names_that_are_not_versions_are_dropped():
    assert semver_sort(["latest", "4.0.0", "v3.4.0", ""]) == ["v3.4.0", "4.0.0"]


def test_a_string_is_refused():
    with pytest.raises(AnsibleFilterError):
        semver_sort("4.0.0")


def test_registered_under_its_name():
    assert FilterModule().filters()["semver_sort"] is semver_sort
