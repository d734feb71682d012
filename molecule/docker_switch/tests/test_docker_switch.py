"""The instance after the switch into docker (converge, idempotence and check already ran)."""

import json
import os
import re
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "upgrade", "tests"))
from lifecycle import vods_served  # noqa: E402

BASE = "/var/www/peertube"
HOST = "peertube.test"
CA = "/etc/ssl/peertube/peertube.test.crt"
JOURNAL_READY = r"[Ll]istening on \S*:9000"
CURL = ["curl", "--silent", "--show-error", "--fail", "--max-time", "20",
        "--resolve", f"{HOST}:443:127.0.0.1", "--cacert", CA]


def image_file(host, path):
    """A file of the running container, read through the daemon (docker cp), not docker exec."""
    with host.sudo():
        return host.check_output(f"docker cp peertube:{path} - | tar -xO")


def curl(host, path):
    cmd = host.run(" ".join(CURL + [f"'https://{HOST}{path}'"]))
    assert cmd.rc == 0, cmd.stderr
    return cmd.stdout


@pytest.fixture(scope="module")
def state(host):
    return json.loads(host.file("/etc/ansible/facts.d/peertube.fact").content_string)


@pytest.fixture(scope="module")
def container(host):
    with host.sudo():
        out = host.check_output("docker inspect peertube")
    return json.loads(out)[0]


def test_state_records_docker(state, container):
    assert state["runtime"] == "docker"
    assert state["version"] == "4.0.0-rc.1"
    assert state["image"] == "fedops/peertube-standin:v4.0.0-rc.1-bullseye"
    # Loaded from an archive: no registry digest, the image id is the exact identity.
    assert state["image_digest"] == container["Image"]
    assert state["client_dist_dir"].startswith(f"{BASE}/docker-assets/v4.0.0-rc.1-")
    assert state["service_unit"] == "peertube-docker"
    # Bare metal stopped -> first pong of the container, measured by the role.
    assert 0 < state["last_downtime_s"] < 120, state["last_downtime_s"]


def test_units(host):
    docker_unit = host.service("peertube-docker")
    assert docker_unit.is_running
    assert docker_unit.is_enabled
    assert host.run("systemctl is-enabled peertube").stdout.strip() == "masked"
    assert host.run("systemctl is-active peertube").stdout.strip() != "active"
    # The container's output is in the unit's journal.
    journal = host.check_output("journalctl -u peertube-docker --no-pager -o cat")
    assert re.search(JOURNAL_READY, journal), journal[-2000:]
    # node-config read the host config dir only (the image's /config and docker config unused).
    sources = re.findall(r"starting .*sources: \[([^\]]*)\]", journal)
    assert sources and [x.strip() for x in sources[-1].split(",")] == [
        f"'{BASE}/config/default.yaml'", f"'{BASE}/config/production.yaml'"], sources


def test_container_runs_as_peertube_on_host_network(host, container):
    pt = host.user("peertube")
    assert container["Config"]["User"] == f"{pt.uid}:{pt.gid}"
    assert container["HostConfig"]["NetworkMode"] == "host"
    env = dict(e.split("=", 1) for e in container["Config"]["Env"])
    assert env["NODE_CONFIG_DIR"] == f"{BASE}/config"
    assert env["PEERTUBE_LOCAL_CONFIG"] == f"{BASE}/config"
    mounts = {m["Destination"]: m for m in container["Mounts"]}
    assert mounts[BASE]["Source"] == BASE and mounts[BASE]["RW"]
    # The node process runs as peertube, on the RTMP port streamers expect.
    procs = host.run("ps -o user=,args= -C node").stdout
    assert re.search(r"^peertube\s+node dist/server", procs, re.M), procs
    assert host.socket("tcp://0.0.0.0:1935").is_listening
    assert host.socket("tcp://127.0.0.1:9000").is_listening


def test_default_yaml_is_the_images(host, state):
    build = state["client_dist_dir"].rsplit("/client/dist", 1)[0]
    in_image = image_file(host, "/app/config/default.yaml")
    with host.sudo():
        on_host = host.check_output(f"cat {BASE}/config/default.yaml")
        extracted = host.check_output(f"cat {build}/config/default.yaml")
    assert on_host == in_image == extracted
    assert host.file(f"{BASE}/config/default.yaml").user == "peertube"


def test_live_works_in_the_container(host):
    before = json.loads(host.file("/root/live-before.json").content_string)
    assert before["ok"] is False and before["category"] == "muxing_failed"
    assert host.file("/etc/peertube-standin/fault-live-var-stream-map").exists
    res = host.ansible("fedops.peertube.live_check",
                       f"hostname={HOST} ca_file={CA} username=fedops_probe "
                       "password=test-probe-password service_unit=peertube-docker timeout=90",
                       check=False, become=True)
    assert res.get("ok") is True, res.get("category")
    assert res["timings"]["to_first_segment_s"] > 0


def test_nginx_check_passes_for_docker(host, state):
    res = host.ansible("fedops.peertube.nginx_check",
                       f"hostname={HOST} runtime=docker client_dist_dir={state['client_dist_dir']} "
                       "peertube_version=4.0.0-rc.1",
                       check=False, become=True)
    assert res.get("ok") is True, res.get("findings")
    errors = [f for f in res["findings"] if f["severity"] == "error"]
    assert errors == []


def test_client_assets_are_the_containers_build(host, state):
    with host.sudo():
        dump = host.check_output("nginx -T 2>/dev/null")
    index = image_file(host, "/app/client/dist/index.html")
    assert f"alias {state['client_dist_dir']}/$1;" in dump
    assert "peertube-latest/client/dist" not in dump
    js = re.search(r'src="/client/(main\.[0-9a-f]+\.js)"', index).group(1)
    served = curl(host, f"/client/{js}")
    in_image = image_file(host, f"/app/client/dist/{js}")
    # check_output drops the final newline, curl's stdout keeps it.
    assert served.rstrip("\n") == in_image
    assert "4.0.0-rc.1" in served


def test_vods_served(host):
    vods_served(host)


def test_storage_untouched(host):
    with host.sudo():
        cmd = host.run(f"python3 /root/storage_listing.py compare {BASE}/storage /root/storage-before.json")
    report = json.loads(cmd.stdout)
    assert cmd.rc == 0, report
    assert report["entries_before"] > 10


def test_logs_and_tmp_belong_to_peertube(host):
    # Left out of the listing because PeerTube writes there; whatever is there is peertube's.
    # Only the seeding tool's scratch files (root's, noted by prepare) may belong to someone else.
    with host.sudo():
        foreign = set(host.check_output(
            f"find {BASE}/storage/logs {BASE}/storage/tmp ! -user peertube").split())
        before = set(host.check_output("cat /root/foreign-before.txt").split())
    assert foreign <= before, sorted(foreign - before)
