# Copyright: fedops.peertube contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The committed nginx fixtures are exactly what the template renders."""

from __future__ import annotations

import pytest
from nginx_render import SCENARIOS, fixture_path, render


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_fixture_matches_template(name):
    with open(fixture_path(name), encoding="utf-8") as handle:
        committed = handle.read()
    assert render(SCENARIOS[name]) == committed, "run: .venv/bin/python tests/unit/plugins/nginx_render.py"


def test_client_bypass_can_be_turned_off():
    text = render(dict(SCENARIOS["baremetal"], peertube_nginx_client_bypass=False))
    assert "location ~ ^/client/" not in text
    assert "location ~ ^/client/" in render(SCENARIOS["baremetal"])


def test_version_dependent_static_locations():
    old = render(SCENARIOS["baremetal"])
    new = render(SCENARIOS["docker"])
    assert "rewrite ^/static/webseed/(.*)$ /videos/$1 break;" in old
    assert "web-videos" not in old and "/private/" not in old
    assert "rewrite ^/static/webseed/(.*)$ /web-videos/$1 break;" in new
    assert "location ~ ^/static/(webseed|web-videos|redundancy|streaming-playlists)/ {" in new
