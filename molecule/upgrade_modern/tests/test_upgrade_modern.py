"""The modern pair 5.2.1 -> 6.0.0 with an admin-owned production.yaml (converge, idempotence
and check already ran): the registry's pre_start move, the 3-way merge and the key renames."""

import json
import os
import sys

import pytest
import yaml

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "upgrade", "tests"))
from lifecycle import BASE, curl, served_version, snapshot, state  # noqa: E402

FROM, TO = "5.2.1", "6.0.0"
WEB_VIDEO = "modern-web-video-240.mp4"


@pytest.fixture(scope="module")
def production(host):
    return yaml.safe_load(host.file(f"{BASE}/config/production.yaml").content_string)


def test_serves_the_target(host):
    assert served_version(host) == TO
    assert host.file(f"{BASE}/peertube-latest").linked_to == f"{BASE}/versions/peertube-v{TO}"


def test_storage_tree_renamed_before_the_first_start(host):
    assert host.file(f"{BASE}/storage/web-videos/{WEB_VIDEO}").is_file
    # PeerTube creates a missing storage dir at boot: a late move would have nested the trees.
    assert not host.file(f"{BASE}/storage/videos").exists
    assert not host.file(f"{BASE}/storage/web-videos/videos").exists
    st = state(host)
    assert "web-videos-6.0" in [m["id"] for m in st["migrations_done"]]
    assert st["last_upgrade"]["from_version"] == FROM


def test_web_video_served_at_old_and_new_urls(host):
    want = host.file("/root/web-video.sha256").content_string.strip()
    for prefix in ("/static/web-videos/", "/static/webseed/"):
        out = host.check_output(
            "curl -sf --resolve peertube.test:443:127.0.0.1 --cacert /etc/ssl/peertube/peertube.test.crt "
            f"https://peertube.test{prefix}{WEB_VIDEO} | sha256sum | cut -d' ' -f1"
        )
        assert out.strip() == want, prefix


def test_admin_file_merged_with_the_change_between_the_examples(host, production):
    storage = production["storage"]
    assert storage["web_videos"] == f"{BASE}/storage/web-videos/"
    assert "videos" not in storage
    # Other changes of the 6.0 example reached the admin's file through the 3-way merge.
    assert storage["storyboards"] == f"{BASE}/storage/storyboards/"
    assert production["database"]["hostname"] == "127.0.0.1"
    # A merge, not a rewrite: the admin's comments stay.
    assert "# Added by the admin" in host.file(f"{BASE}/config/production.yaml").content_string
    # The admin's own values and additions survive the merge.
    assert production["webserver"]["hostname"] == "peertube.test"
    assert production["instance"]["name"] == "Modern pair"
    assert production["secrets"]["peertube"]
    # The ownership and mode of a file holding secrets.
    f = host.file(f"{BASE}/config/production.yaml")
    assert (f.user, f.group, f.mode) == ("peertube", "peertube", 0o640)


def test_config_backup_is_the_admins_file_before(host):
    backup = state(host)["backups"][-1]
    copy = backup["files"][f"{BASE}/config/production.yaml"]
    before = yaml.safe_load(host.file(copy).content_string)
    assert before["storage"]["videos"] == f"{BASE}/storage/videos/"


def test_vods_served_as_before(host):
    before = json.loads(host.file("/root/snapshot-before.json").content_string)
    after = snapshot(host, "after-upgrade")
    assert after["vods"] == before["vods"]
    assert after["tables"]["video"] == before["tables"]["video"]
    assert after["schema"] == 795


def test_secret_never_in_the_config_api(host):
    assert "0f1e2d3c4b5a" not in curl(host, "/api/v1/config")
