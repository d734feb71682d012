# Copyright: fedops.peertube contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rules of nginx_check on the template's renderings and on broken variants of them."""

from __future__ import annotations

import crossplane
import pytest
from nginx_dump import SITE, dump, fixture

from ansible_collections.fedops.peertube.plugins.module_utils import _nginx

BASE = "/var/www/peertube"
LATEST_DIST = BASE + "/peertube-latest/client/dist"
DOCKER_DIST = BASE + "/docker-assets/v6.0.4/client/dist"


def tree_of(site_text):
    tree, errors = _nginx.assemble(_nginx.split_dump(dump(site_text)), crossplane.parse_string)
    assert errors == []
    return tree


def host_facts(**overrides):
    """What the action plugin would have read on a healthy host."""
    paths = {
        BASE: {"exists": True, "isdir": True, "realpath": BASE},
        BASE + "/storage": {"exists": True, "isdir": True, "realpath": BASE + "/storage"},
        BASE + "/peertube-latest": {
            "exists": True,
            "isdir": True,
            "realpath": BASE + "/versions/peertube-v3.4.0",
        },
        LATEST_DIST: {
            "exists": True,
            "isdir": True,
            "realpath": BASE + "/versions/peertube-v3.4.0/client/dist",
        },
        DOCKER_DIST: {"exists": True, "isdir": True, "realpath": DOCKER_DIST},
        "/etc/ssl/peertube/fullchain.pem": {
            "exists": True,
            "isdir": False,
            "realpath": "/etc/ssl/peertube/fullchain.pem",
        },
        "/etc/ssl/peertube/privkey.pem": {
            "exists": True,
            "isdir": False,
            "realpath": "/etc/ssl/peertube/privkey.pem",
        },
    }
    paths.update(overrides.pop("paths", {}))
    facts = {"paths": paths, "certs": {"/etc/ssl/peertube/fullchain.pem": 80}}
    facts.update(overrides)
    return facts


def expect(**overrides):
    value = {
        "hostname": "peertube.example.org",
        "listen": "127.0.0.1:9000",
        "runtime": "baremetal",
        "base_dir": BASE,
        "storage_dir": BASE + "/storage",
        "peertube_version": "3.4.0",
        "expiry_days": 14,
        "min_upload_size": "1G",
    }
    value.update(overrides)
    return value


def ids(findings):
    return sorted(f["id"] for f in findings)


# ---------------------------------------------------------------------------- dump handling


def test_split_dump_keeps_files_and_their_own_line_numbers():
    files = _nginx.split_dump(dump("server {\n  listen 80;\n}\n"))
    assert [name for name, _content in files] == ["/etc/nginx/nginx.conf", "/etc/nginx/mime.types", SITE]
    assert files[2][1] == "server {\n  listen 80;\n}\n"


def test_split_dump_without_header_is_an_error():
    with pytest.raises(_nginx.NginxDumpError):
        _nginx.split_dump("nginx: [emerg] open() failed\n")


def test_assemble_splices_includes_with_file_and_line():
    tree = tree_of(fixture("baremetal"))
    servers = _nginx.servers_for(tree, "peertube.example.org")
    assert [s["file"] for s in servers] == [SITE, SITE]
    alias = _nginx.first(_nginx.find_location(servers[1], "/client/main.js")["block"], "alias")
    with open(_fixture_path("baremetal"), encoding="utf-8") as handle:
        lines = handle.read().split("\n")
    assert lines[alias["line"] - 1].strip() == "alias %s/$1;" % LATEST_DIST


def _fixture_path(name):
    from nginx_render import fixture_path

    return fixture_path(name)


def test_include_glob_does_not_cross_directories():
    names = ["/etc/nginx/sites-enabled/a", "/etc/nginx/sites-enabled/sub/b", "/etc/nginx/conf.d/x.conf"]
    assert _nginx.match_include("/etc/nginx/sites-enabled/*", names) == ["/etc/nginx/sites-enabled/a"]
    assert _nginx.match_include("/etc/nginx/conf.d/x.conf", names) == ["/etc/nginx/conf.d/x.conf"]
    assert _nginx.match_include("/etc/nginx/missing.conf", names) == []


def test_relative_include_is_relative_to_the_main_config_dir():
    files = [
        ("/etc/nginx/nginx.conf", "events {}\nhttp {\n  include sites/*.conf;\n}\n"),
        ("/etc/nginx/sites/pt.conf", "server {\n  server_name pt.example;\n  listen 443 ssl;\n}\n"),
    ]
    tree, _errors = _nginx.assemble(files, crossplane.parse_string)
    (server,) = _nginx.servers_for(tree, "pt.example")
    assert (server["file"], server["line"]) == ("/etc/nginx/sites/pt.conf", 1)


# ---------------------------------------------------------------------------- location matching


@pytest.mark.parametrize(
    "uri, label",
    [
        ("/", "/"),
        ("/api/v1/videos/upload", "= /api/v1/videos/upload"),
        (
            "/api/v1/videos/upload-resumable",
            r"~ ^/api/v1/videos/(upload-resumable|([^/]+/source/replace-resumable))$",
        ),
        ("/socket.io/?EIO=4", "/socket.io"),
        ("/plugins/chat/0.1.0/ws/room", "~ ^/plugins/[^/]+(/[^/]+)?/ws/"),
        ("/client/main.js", r"~ ^/client/(.*\.(js|css|png|svg|woff2|otf|ttf|woff|eot))$"),
        ("/client/index.html", "/"),
        (
            "/static/streaming-playlists/hls/u/master.m3u8",
            "~ ^/static/(webseed|redundancy|streaming-playlists)/",
        ),
    ],
)
def test_find_location_follows_nginx_precedence(uri, label):
    server = _nginx.servers_for(tree_of(fixture("baremetal")), "peertube.example.org")[1]
    assert " ".join(_nginx.find_location(server, uri)["args"]) == label


def test_prefix_caret_tilde_beats_regex():
    site = (
        "server {\n listen 443 ssl; server_name a;\n"
        " location ~ \\.js$ { return 404; }\n"
        " location ^~ /keep/ { return 200; }\n}\n"
    )
    server = _nginx.servers_for(tree_of(site), "a")[0]
    assert _nginx.find_location(server, "/keep/x.js")["args"] == ["^~", "/keep/"]
    assert _nginx.find_location(server, "/other/x.js")["args"] == ["~", "\\.js$"]


@pytest.mark.parametrize(
    "value, expected", [("100k", 102400), ("8G", 8 * 1024**3), ("0", 0), ("12m", 12 * 1024**2)]
)
def test_parse_size(value, expected):
    assert _nginx.parse_size(value) == expected


def test_parse_size_rejects_garbage():
    with pytest.raises(ValueError):
        _nginx.parse_size("lots")


# ---------------------------------------------------------------------------- the template passes


def test_baremetal_rendering_has_no_finding():
    assert _nginx.analyze(tree_of(fixture("baremetal")), expect(), host_facts()) == []


def test_docker_rendering_has_no_finding():
    findings = _nginx.analyze(
        tree_of(fixture("docker")),
        expect(runtime="docker", peertube_version="6.0.4", client_dist_dir=DOCKER_DIST),
        host_facts(),
    )
    assert findings == []


# ---------------------------------------------------------------------------- the incident


def test_incident_client_alias_into_host_build_is_an_error_with_file_line_and_fix():
    text = fixture("incident")
    findings = _nginx.analyze(
        tree_of(text),
        expect(runtime="docker", peertube_version="4.0.0-rc.1", client_dist_dir=DOCKER_DIST),
        host_facts(),
    )
    assert ids(findings) == ["client_alias_host_build"]
    (finding,) = findings
    assert finding["severity"] == "error"
    assert finding["file"] == SITE
    assert text.split("\n")[finding["line"] - 1].strip() == "alias %s/$1;" % LATEST_DIST
    assert "docker" in finding["message"] and LATEST_DIST in finding["message"]
    assert "location ~ ^/client/" in finding["message"]
    assert finding["fix"].startswith("alias %s/$1;" % DOCKER_DIST)


def test_incident_without_known_assets_dir_still_flags_the_host_build():
    findings = _nginx.analyze(
        tree_of(fixture("incident")), expect(runtime="docker", peertube_version="4.0.0-rc.1"), host_facts()
    )
    assert ids(findings) == ["client_alias_host_build"]
    assert "remove this location" in findings[0]["fix"]


def test_same_alias_is_fine_on_bare_metal():
    findings = _nginx.analyze(
        tree_of(fixture("incident")), expect(peertube_version="4.0.0-rc.1"), host_facts()
    )
    assert findings == []


def test_alias_into_a_versions_dir_that_is_not_running_is_an_error():
    site = fixture("baremetal").replace(LATEST_DIST, BASE + "/versions/peertube-v3.3.0/client/dist")
    old = BASE + "/versions/peertube-v3.3.0/client/dist"
    findings = _nginx.analyze(
        tree_of(site), expect(), host_facts(paths={old: {"exists": True, "isdir": True, "realpath": old}})
    )
    assert ids(findings) == ["client_alias_wrong_build"]
    assert findings[0]["fix"] == "alias %s/$1;" % LATEST_DIST


def test_alias_to_missing_dir_is_an_error():
    site = fixture("docker")
    findings = _nginx.analyze(
        tree_of(site),
        expect(runtime="docker", peertube_version="6.0.4", client_dist_dir=DOCKER_DIST),
        host_facts(paths={DOCKER_DIST: {"exists": False, "isdir": False, "realpath": None}}),
    )
    assert ids(findings) == ["client_alias_missing_dir"]


def test_docker_alias_through_a_symlink_to_the_host_build_is_caught():
    # The alias names a neutral-looking dir that resolves into peertube-latest.
    link = BASE + "/assets"
    site = fixture("docker").replace(DOCKER_DIST, link)
    findings = _nginx.analyze(
        tree_of(site),
        expect(runtime="docker", peertube_version="6.0.4", client_dist_dir=DOCKER_DIST),
        host_facts(
            paths={link: {"exists": True, "isdir": True, "realpath": BASE + "/peertube-latest/client/dist"}}
        ),
    )
    assert ids(findings) == ["client_alias_host_build"]


# ---------------------------------------------------------------------------- other rules


def test_wrong_listen_port_is_reported_on_the_upstream_line():
    text = fixture("baremetal")
    findings = _nginx.analyze(tree_of(text), expect(listen="127.0.0.1:9001"), host_facts())
    assert set(ids(findings)) == {"proxy_target_mismatch"}
    for finding in findings:
        assert text.split("\n")[finding["line"] - 1].strip() == "proxy_pass http://peertube_backend;"
        assert "127.0.0.1:9000" in finding["message"] and "127.0.0.1:9001" in finding["message"]


def test_localhost_upstream_matches_loopback_listen():
    site = fixture("baremetal").replace("server 127.0.0.1:9000;", "server localhost:9000;")
    assert _nginx.analyze(tree_of(site), expect(), host_facts()) == []


def test_missing_hostname_is_one_error():
    findings = _nginx.analyze(
        tree_of(fixture("baremetal")), expect(hostname="other.example.org"), host_facts()
    )
    assert ids(findings) == ["server_missing"]


def test_websocket_without_upgrade_headers():
    site = fixture("baremetal").replace('    proxy_set_header   Connection      "upgrade";\n', "")
    findings = _nginx.analyze(tree_of(site), expect(), host_facts())
    assert ids(findings) == ["websocket_upgrade_missing"]
    assert findings[0]["message"].startswith("/socket.io/")


def test_websocket_location_removed_falls_back_to_plain_proxy():
    site = fixture("baremetal").replace("location /socket.io {", "location /socket.io.disabled {")
    findings = _nginx.analyze(tree_of(site), expect(), host_facts())
    assert ids(findings) == ["websocket_upgrade_missing"]
    assert "location @api" in findings[0]["message"]


def test_small_upload_body_size():
    site = fixture("baremetal").replace("client_max_body_size 12G;", "client_max_body_size 8M;")
    findings = _nginx.analyze(tree_of(site), expect(), host_facts())
    assert ids(findings) == ["upload_body_too_small"]
    assert "client_max_body_size 8M" in fixture_line(site, findings[0])


def fixture_line(text, finding):
    return text.split("\n")[finding["line"] - 1]


def test_static_root_elsewhere_is_an_error():
    site = fixture("baremetal").replace("root /var/www/peertube/storage;", "root /srv/old-storage;")
    findings = _nginx.analyze(tree_of(site), expect(), host_facts())
    assert ids(findings) == ["static_root_mismatch"]
    assert findings[0]["fix"] == "root /var/www/peertube/storage;"


def test_static_root_through_symlink_is_accepted():
    site = fixture("baremetal").replace("root /var/www/peertube/storage;", "root /srv/pt;")
    facts = host_facts(paths={"/srv/pt": {"exists": True, "isdir": True, "realpath": BASE + "/storage"}})
    assert _nginx.analyze(tree_of(site), expect(), facts) == []


def test_pre_6_template_served_to_a_6_instance():
    # The baremetal rendering is for 3.4: on 6.0 webseed must point at web-videos, private
    # files must be proxied, and web-videos has no bypass.
    findings = _nginx.analyze(tree_of(fixture("baremetal")), expect(peertube_version="6.0.4"), host_facts())
    # Both private URIs hit the same static location: one finding for it.
    assert ids(findings) == ["private_files_exposed", "static_bypass_missing", "static_webseed_dir"]


def test_tls_expiring_and_missing_key():
    facts = host_facts(
        certs={"/etc/ssl/peertube/fullchain.pem": 3},
        paths={"/etc/ssl/peertube/privkey.pem": {"exists": False, "isdir": False, "realpath": None}},
    )
    findings = _nginx.analyze(tree_of(fixture("baremetal")), expect(), facts)
    assert ids(findings) == ["tls_expiring", "tls_file_missing"]


def test_tls_expired():
    facts = host_facts(certs={"/etc/ssl/peertube/fullchain.pem": -2})
    assert ids(_nginx.analyze(tree_of(fixture("baremetal")), expect(), facts)) == ["tls_expired"]


def test_no_http_server_is_a_warning_only():
    text = fixture("baremetal")
    start = text.index("server {\n  listen 80;")
    end = text.index("server {\n  listen 443")
    findings = _nginx.analyze(tree_of(text[:start] + text[end:]), expect(), host_facts())
    assert [(f["id"], f["severity"]) for f in findings] == [("http_server_missing", "warning")]


def test_referenced_paths_cover_alias_certs_and_storage():
    paths = _nginx.referenced_paths(
        tree_of(fixture("incident")), expect(runtime="docker", client_dist_dir=DOCKER_DIST)
    )
    for path in (
        LATEST_DIST,
        DOCKER_DIST,
        BASE + "/storage",
        "/etc/ssl/peertube/fullchain.pem",
        "/etc/ssl/peertube/privkey.pem",
    ):
        assert path in paths
