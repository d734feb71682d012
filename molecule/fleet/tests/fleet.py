"""Helpers of the fleet verifiers: the scenario's hosts, what they serve, the upgrade run's log."""

import json
import os
import re
import textwrap

import testinfra
import yaml

BASE = "/var/www/peertube"
HOST = "peertube.test"
CA = f"/etc/ssl/peertube/{HOST}.crt"
STATE = "/etc/ansible/facts.d/peertube.fact"
LOCK = f"{BASE}/backup/.fedops-lifecycle.lock"
FAULT = "/etc/peertube-standin/fault-live-var-stream-map"
FROM, TO = "3.4.0", "4.0.0"
PEERTUBE_HOSTS = ["peertube-fleet-1", "peertube-fleet-2", "peertube-fleet-3"]
DB_HOST = "peertube-fleet-db"


def db_name(inventory_hostname):
    """As the scenario's inventory derives it (group_vars/peertube.yml)."""
    return "peertube_" + re.sub("[^A-Za-z0-9]", "_", inventory_hostname)


def get_host(name):
    # docker exec straight into the molecule container: faster than one ansible run per command.
    return testinfra.get_host(f"docker://{name}")


def state(host):
    return json.loads(host.file(STATE).content_string)


def served_version(host):
    out = host.check_output(
        f"curl -sS --fail --max-time 20 --resolve {HOST}:443:127.0.0.1 --cacert {CA} https://{HOST}/api/v1/config"
    )
    return json.loads(out)["serverVersion"]


def run_log():
    """stdout + stderr of the converge's ansible-playbook fedops.peertube.upgrade."""
    with open(os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "fleet-run.log")) as fh:
        return fh.read()


def summaries(log):
    """{host: [line, ...]} of the playbook's end-of-play summaries ("Summarize this host")."""
    out = {}
    for block in re.findall(r"TASK \[Summarize this host\][^\n]*\n(.*?)(?:\n\n|\Z)", log, re.S):
        m = re.match(r"ok: \[([^\]]+)\] =>[ \t]*\n(.*)", block, re.S)
        assert m, block
        out[m.group(1)] = yaml.safe_load(textwrap.dedent(m.group(2)))["msg"]
    return out


def recap(log):
    """{host: {ok: n, changed: n, failed: n, ...}} of the run's PLAY RECAP."""
    section = log.split("PLAY RECAP", 1)[1]
    return {
        m.group(1): {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", m.group(2))}
        for m in re.finditer(r"^(\S+)\s+: (.*)$", section, re.M)
    }
