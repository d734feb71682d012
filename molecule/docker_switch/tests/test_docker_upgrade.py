"""Upgrade and rollback in docker mode (after test_docker_switch.py proved the switch).

The upgrade and rollback roles run as a user runs them (ansible-playbook on the scenario's
inventory): 4.0.0-rc.1 -> 4.0.0 in the official image (stand-in), then back to 4.0.0-rc.1 with
the pre-upgrade dump. Tests run in file order; the fixtures run each role once.
"""

import json
import os
import re
import shlex
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "upgrade", "tests"))
from lifecycle import curl, run_role, served_version, vods_served  # noqa: E402

BASE = "/var/www/peertube"
HOST = "peertube.test"
CA = "/etc/ssl/peertube/peertube.test.crt"
STATE = "/etc/ansible/facts.d/peertube.fact"
UNIT = "/etc/systemd/system/peertube-docker.service"
CHECKSUMS = f"sha256sum {STATE} {UNIT} {BASE}/config/default.yaml"
FROM, TO = "4.0.0-rc.1", "4.0.0"
IMAGE_FROM = f"fedops/peertube-standin:v{FROM}-bullseye"
IMAGE_TO = f"fedops/peertube-standin:v{TO}-bullseye"
TABLES = ["video", "videoFile", "videoStreamingPlaylist", "user", "account", "videoChannel"]


def recap(out):
    """The PLAY RECAP counters of the one host."""
    line = re.search(r"^peertube-docker-switch\s*:\s*(.*)$", out, re.M).group(1)
    return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line)}


def state(host):
    with host.sudo():
        return json.loads(host.check_output(f"cat {STATE}"))


def row_counts(host):
    sql = " UNION ALL ".join(f"SELECT '{t}', count(*) FROM \"{t}\"" for t in TABLES)
    with host.sudo():
        out = host.check_output("runuser -u postgres -- psql -d peertube_prod -Atc " + shlex.quote(sql))
    return dict(line.split("|") for line in out.splitlines())


def image_id(host, ref):
    with host.sudo():
        return host.check_output(f"docker image inspect --format '{{{{.Id}}}}' {ref}")


def container(host):
    with host.sudo():
        return json.loads(host.check_output("docker inspect peertube"))[0]


def image_file(host, path):
    """A file of the running container, read through the daemon (docker cp), not docker exec."""
    with host.sudo():
        return host.check_output(f"docker cp peertube:{path} - | tar -xO")


def host_default_yaml(host):
    with host.sudo():
        return host.check_output(f"cat {BASE}/config/default.yaml")


def storage_compare(host):
    with host.sudo():
        cmd = host.run(f"python3 /root/storage_listing.py compare {BASE}/storage /root/storage-before.json")
    return cmd.rc, json.loads(cmd.stdout)


# The client build of an older image, left by an earlier docker-mode upgrade: pruned by the
# upgrade (peertube_upgrade_keep_releases: 1), unlike those of the target and the previous version.
OLD_ASSETS = f"{BASE}/docker-assets/v3.4.0-0123456789ab"


@pytest.fixture(scope="module")
def before(host):
    """What the instance holds before the upgrade."""
    with host.sudo():
        host.check_output(f"mkdir -p {OLD_ASSETS}/client/dist && touch -d '2 days ago' {OLD_ASSETS}")
        checksum = host.check_output(CHECKSUMS)
    return {"state": state(host), "counts": row_counts(host), "checksums": checksum,
            "container_id": container(host)["Id"]}


@pytest.fixture(scope="module")
def planned(host, before):
    """The upgrade in check mode."""
    rc, out = run_role("upgrade", {"peertube_version": TO}, check=True)
    assert rc == 0, out[-4000:]
    return out


@pytest.fixture(scope="module")
def upgraded(host, before, planned):
    rc, out = run_role("upgrade", {"peertube_version": TO, "peertube_upgrade_keep_releases": 1})
    assert rc == 0, out[-6000:]
    return {"out": out, "state": state(host)}


@pytest.fixture(scope="module")
def rolled_back(host, upgraded):
    rc, out = run_role("rollback")
    assert rc == 0, out[-6000:]
    return {"out": out, "state": state(host)}


def test_check_mode_plans_the_image_and_changes_nothing(host, before, planned):
    assert f"image: {IMAGE_FROM} -> {IMAGE_TO}" in planned, planned[-3000:]
    with host.sudo():
        assert host.check_output(CHECKSUMS) == before["checksums"]
    assert container(host)["Id"] == before["container_id"]


def test_upgrade_records_the_docker_runtime(host, upgraded):
    st = upgraded["state"]
    assert st["runtime"] == "docker"
    assert st["version"] == TO and st["previous_version"] == FROM
    assert st["image"] == IMAGE_TO
    assert st["previous_image"] == IMAGE_FROM
    # Loaded from archives: the image id is the exact identity.
    assert st["previous_image_digest"] == image_id(host, IMAGE_FROM)
    assert st["image_id"] == image_id(host, IMAGE_TO)
    assert st["service_unit"] == "peertube-docker"
    assert st["client_dist_dir"].startswith(f"{BASE}/docker-assets/v{TO}-")
    assert st["last_upgrade"]["runtime"] == "docker"
    assert 0 < st["last_downtime_s"] < 120, st["last_downtime_s"]
    assert st["last_upgrade"]["downtime_s"] == st["last_downtime_s"]


def test_upgrade_backed_up_the_container_unit_and_image(host, upgraded):
    backup = upgraded["state"]["backups"][-1]
    assert (backup["from_version"], backup["to_version"]) == (FROM, TO)
    assert backup["runtime"] == "docker" and backup["image"] == IMAGE_FROM
    assert backup["files"][UNIT]
    assert "/etc/systemd/system/peertube.service" not in backup["files"]
    with host.sudo():
        for original, copy in backup["files"].items():
            if copy:
                assert host.file(copy).exists, original
        assert host.run(f"pg_restore --list {backup['db_dump']}").rc == 0
        # The copy is the unit of the old image.
        assert image_id(host, IMAGE_FROM) in host.check_output(f"cat {backup['files'][UNIT]}")


def test_upgrade_serves_the_new_image(host, upgraded):
    assert served_version(host) == TO
    ctr = container(host)
    assert ctr["Image"] == image_id(host, IMAGE_TO)
    pt = host.user("peertube")
    assert ctr["Config"]["User"] == f"{pt.uid}:{pt.gid}"
    assert host.service("peertube-docker").is_running
    assert host.run("systemctl is-enabled peertube").stdout.strip() == "masked"
    # The image's own default.yaml on the host, the new client build behind nginx.
    with host.sudo():
        assert host_default_yaml(host) == image_file(host, "/app/config/default.yaml")
        dump = host.check_output("nginx -T 2>/dev/null")
    assert f"alias {upgraded['state']['client_dist_dir']}/$1;" in dump
    index = image_file(host, "/app/client/dist/index.html")
    js = re.search(r'src="/client/(main\.[0-9a-f]+\.js)"', index).group(1)
    assert curl(host, f"/client/{js}").rstrip("\n") == image_file(host, f"/app/client/dist/{js}")
    # The role verified a real live in the new container.
    assert "Live check (after the upgrade): ok" in upgraded["out"], upgraded["out"][-3000:]


def test_upgrade_pruned_older_client_builds(host, before, upgraded):
    with host.sudo():
        kept = host.check_output(f"ls {BASE}/docker-assets").split()
    assert not host.file(OLD_ASSETS).exists
    assert sorted(name.rsplit("-", 1)[0] for name in kept) == sorted([f"v{FROM}", f"v{TO}"]), kept


def test_upgrade_left_storage_untouched(host, upgraded):
    rc, report = storage_compare(host)
    assert rc == 0, report


def test_second_upgrade_changes_nothing(host, upgraded):
    rc, out = run_role("upgrade", {"peertube_version": TO})
    assert rc == 0, out[-4000:]
    assert "already runs here: nothing to upgrade" in out
    counters = recap(out)
    assert counters["changed"] == 0 and counters["failed"] == 0, out[-4000:]
    assert state(host) == upgraded["state"]


def test_rollback_returns_to_the_previous_image(host, before, rolled_back):
    st = rolled_back["state"]
    assert st["runtime"] == "docker"
    assert st["version"] == FROM
    assert st["image"] == IMAGE_FROM
    assert st["previous_image"] == IMAGE_TO
    assert st["rollback_pending"] == {}
    assert st["last_rollback"]["to_version"] == FROM
    assert st["last_rollback"]["restored_dump"] == st["backups"][-1]["db_dump"]
    # Container stopped -> first pong on the previous image, the database restore included.
    assert 0 < st["last_downtime_s"] == st["last_rollback"]["downtime_s"] < 300, st["last_downtime_s"]
    assert served_version(host) == FROM
    assert container(host)["Image"] == image_id(host, IMAGE_FROM)
    assert st["client_dist_dir"].startswith(f"{BASE}/docker-assets/v{FROM}-")


def test_rollback_restored_the_files_and_the_database(host, before, rolled_back):
    backup = rolled_back["state"]["backups"][-1]
    with host.sudo():
        for original, copy in backup["files"].items():
            if copy:
                assert host.file(original).sha256sum == host.file(copy).sha256sum, original
        assert host_default_yaml(host) == image_file(host, "/app/config/default.yaml")
    assert row_counts(host) == before["counts"]
    vods_served(host)
    rc, report = storage_compare(host)
    assert rc == 0, report


def test_second_rollback_changes_nothing(host, rolled_back):
    rc, out = run_role("rollback")
    assert rc == 0, out[-4000:]
    counters = recap(out)
    assert counters["changed"] == 0 and counters["failed"] == 0, out[-4000:]


def test_failed_upgrade_rolls_back_to_the_previous_image(host, rolled_back):
    """The new container cannot start (its production.yaml points at a closed database port):
    the rescue returns to the previous image, config and pre-upgrade dump by itself, and fails
    with a summary that names the cause."""
    counts = row_counts(host)
    rc, out = run_role("upgrade", {"peertube_version": TO, "peertube_upgrade_wait_retries": 10,
                                   "peertube_config_extra": {"database": {"port": 1}}})
    assert rc != 0, out[-4000:]
    assert f"UPGRADE {FROM} -> {TO} FAILED" in out, out[-4000:]
    assert "Unable to connect to PostgreSQL database" in out, out[-4000:]
    assert f"host now: rolled back to {FROM}" in out, out[-4000:]
    st = state(host)
    assert (st["version"], st["image"], st["runtime"]) == (FROM, IMAGE_FROM, "docker")
    assert st["rollback_pending"] == {}
    assert served_version(host) == FROM
    assert container(host)["Image"] == image_id(host, IMAGE_FROM)
    with host.sudo():
        assert "port: 1\n" not in host.check_output(f"cat {BASE}/config/production.yaml")
    assert row_counts(host) == counts
    vods_served(host)
    rc, report = storage_compare(host)
    assert rc == 0, report
