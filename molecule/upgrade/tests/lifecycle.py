"""Helpers shared by the upgrade, rollback and upgrade_faults verifiers.

They run real playbooks against the scenario's host (the molecule inventory, group_vars
included) and read what the host serves, as a user would see it.
"""

import json
import os
import subprocess
import tempfile

BASE = "/var/www/peertube"
HOST = "peertube.test"
CA = "/etc/ssl/peertube/peertube.test.crt"
STATE = "/etc/ansible/facts.d/peertube.fact"
CURL = f"curl --silent --show-error --fail --max-time 20 --resolve {HOST}:443:127.0.0.1 --cacert {CA}"


def curl(host, path):
    cmd = host.run(f"{CURL} 'https://{HOST}{path}'")
    assert cmd.rc == 0, cmd.stderr
    return cmd.stdout


def served_version(host):
    return json.loads(curl(host, "/api/v1/config"))["serverVersion"]


def state(host):
    return json.loads(host.file(STATE).content_string)


def snapshot(host, name):
    """Runs molecule/upgrade/files/snapshot.py (copied by prepare.yml) and returns its JSON."""
    path = f"/root/snapshot-{name}.json"
    host.check_output(f"/usr/local/bin/snapshot.py --out {path}")
    return json.loads(host.file(path).content_string)


def vods_served(host):
    """Every local VOD the database lists: its API page and its master playlist through nginx."""
    with host.sudo():
        rows = host.check_output(
            "runuser -u postgres -- psql -d peertube_prod -Atc "
            "'SELECT v.uuid, p.\"playlistFilename\" FROM video v JOIN \"videoStreamingPlaylist\" p "
            "ON p.\"videoId\" = v.id WHERE NOT v.\"isLive\"'"
        ).split()
    assert len(rows) >= 3
    for row in rows:
        uuid, playlist = row.split("|")
        assert json.loads(curl(host, f"/api/v1/videos/{uuid}"))["uuid"] == uuid
        assert "#EXTM3U" in curl(host, f"/static/streaming-playlists/hls/{uuid}/{playlist}")


def run_role(role, extra_vars=None, check=False, tags=None, tasks_before=None):
    """ansible-playbook with one role (as the collection's playbooks do); returns (rc, output)."""
    play = [
        {
            "name": f"{role} from the verifier",
            "hosts": "peertube",
            "gather_facts": True,
            "tasks": (tasks_before or [])
            + [{"name": "Run the role", "ansible.builtin.include_role": {"name": f"fedops.peertube.{role}"}}],
        }
    ]
    with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as fh:
        json.dump(play, fh)
        playbook = fh.name
    cmd = ["ansible-playbook", "-i", os.environ["MOLECULE_INVENTORY_FILE"], playbook]
    if check:
        cmd.append("--check")
    if tags:
        cmd += ["--tags", tags]
    if extra_vars:
        cmd += ["--extra-vars", json.dumps(extra_vars)]
    env = dict(os.environ, ANSIBLE_STDOUT_CALLBACK="ansible.builtin.default", ANSIBLE_FORCE_COLOR="false")
    res = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    os.unlink(playbook)
    return res.returncode, res.stdout + res.stderr
