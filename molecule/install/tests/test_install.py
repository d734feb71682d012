"""Role install, verified on the converged hosts (3.4.0 downloaded, 6.0.0 from a local archive)."""

from __future__ import annotations

import json
import os
import re
import subprocess

import pytest
import yaml

# Playbooks live in the install scenario; host_vars in the scenario running the tests
# (install, or install_trixie which reuses these tests).
PLAYBOOKS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCENARIO = os.environ.get("MOLECULE_SCENARIO_DIRECTORY", PLAYBOOKS)
BASE = "/var/www/peertube"
HOSTNAME = "peertube.test"
CERT = f"/etc/ssl/peertube/{HOSTNAME}.crt"
# What each release writes into application.migrationVersion (docs/standin.md).
SCHEMA = {"3.4.0": 670, "6.0.0": 795}


def _host_vars(host):
    name = host.backend.get_hostname()
    with open(os.path.join(SCENARIO, "host_vars", f"{name}.yml"), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@pytest.fixture
def version(host):
    return _host_vars(host)["peertube_version"]


def _https(host, path, cacert=CERT):
    cmd = f"curl -sS --fail --max-time 10 --resolve {HOSTNAME}:443:127.0.0.1"
    if cacert:
        cmd += f" --cacert {cacert}"
    return host.run(f"{cmd} https://{HOSTNAME}{path}")


def test_services_active_and_enabled(host):
    for unit in ("peertube", "postgresql", "redis-server", "nginx"):
        service = host.service(unit)
        assert service.is_running, unit
        assert service.is_enabled, unit


def test_ping_through_nginx_over_https(host):
    result = _https(host, "/api/v1/ping")
    assert result.rc == 0, result.stderr
    assert result.stdout.strip() == "pong"


def test_https_is_really_verified(host):
    # The same request against the system CAs must fail: the test CA above is what made it pass.
    result = _https(host, "/api/v1/ping", cacert="/etc/ssl/certs/ca-certificates.crt")
    assert result.rc != 0
    assert "certificate" in result.stderr.lower()


def test_config_reports_the_version_and_live(host, version):
    result = _https(host, "/api/v1/config")
    assert result.rc == 0, result.stderr
    config = json.loads(result.stdout)
    assert config["serverVersion"] == version
    assert config["live"]["enabled"] is True
    assert config["live"]["rtmp"]["port"] == 1935
    assert config["live"]["transcoding"]["enabledResolutions"] == [240]


@pytest.mark.parametrize(
    ("path", "mode"),
    [
        (BASE, 0o755),
        (f"{BASE}/config", 0o750),
        (f"{BASE}/storage", 0o755),
        (f"{BASE}/versions", 0o755),
        (f"{BASE}/backup", 0o750),
    ],
)
def test_directories(host, path, mode):
    directory = host.file(path)
    assert directory.is_directory
    assert directory.user == "peertube"
    assert directory.group == "peertube"
    assert directory.mode == mode


def test_user_cannot_log_in(host):
    user = host.user("peertube")
    assert user.home == BASE
    assert user.shell == "/usr/sbin/nologin"
    assert user.group == "peertube"


def test_release_and_link(host, version):
    release = f"{BASE}/versions/peertube-v{version}"
    link = host.file(f"{BASE}/peertube-latest")
    assert link.is_symlink
    assert link.linked_to == release
    assert host.file(release).user == "peertube"
    assert host.file(f"{release}/node_modules/pg/package.json").exists
    assert host.file(f"{release}/node_modules").user == "peertube"
    marker = json.loads(host.file(f"{release}/.fedops-release.json").content_string)
    assert marker["version"] == version
    assert re.fullmatch(r"[0-9a-f]{64}", marker["sha256"])
    # The staging dir is gone; only the release is in versions/.
    assert host.run(f"ls -A {BASE}/versions").stdout.split() == [f"peertube-v{version}"]


def test_default_yaml_is_the_release_copy(host, version):
    ours = host.file(f"{BASE}/config/default.yaml")
    theirs = host.file(f"{BASE}/versions/peertube-v{version}/config/default.yaml")
    assert ours.sha256sum == theirs.sha256sum


def test_production_yaml(host, version):
    prod = host.file(f"{BASE}/config/production.yaml")
    assert prod.user == "peertube"
    assert prod.group == "peertube"
    assert prod.mode == 0o640
    config = yaml.safe_load(prod.content_string)
    assert config["webserver"] == {"hostname": HOSTNAME, "port": 443, "https": True}
    assert config["database"]["suffix"] == "_prod"
    assert config["storage"]["logs"] == f"{BASE}/storage/logs/"
    assert config["live"]["enabled"] is True
    if version == "6.0.0":
        assert len(config["secrets"]["peertube"]) == 64
        assert config["storage"]["web_videos"] == f"{BASE}/storage/web-videos/"
        assert config["live"]["rtmp"]["enabled"] is True
        assert "max_file_size" in config["log"]["rotation"]
    else:
        assert "secrets" not in config
        assert config["storage"]["videos"] == f"{BASE}/storage/videos/"
        assert "maxFileSize" in config["log"]["rotation"]
    assert not host.file(f"{BASE}/config/local-production.json").exists


def test_nginx_configuration_is_valid(host):
    result = host.run("nginx -t")
    assert result.rc == 0, result.stderr
    assert host.file("/etc/nginx/sites-enabled/peertube").linked_to == "/etc/nginx/sites-available/peertube"


def test_database_and_extensions(host):
    sql = (
        "SELECT string_agg(extname, ',' ORDER BY extname) FROM pg_extension;"
        " SELECT pg_get_userbyid(datdba) || ' ' || pg_encoding_to_char(encoding)"
        " FROM pg_database WHERE datname = current_database();"
    )
    result = host.run(f'runuser -u postgres -- psql -d peertube_prod -tA -c "{sql}"')
    assert result.rc == 0, result.stderr
    extensions, owner = result.stdout.split("\n")[:2]
    assert {"pg_trgm", "unaccent"} <= set(extensions.split(","))
    assert owner == "peertube UTF8"


def test_state_file(host, version):
    state_file = host.file("/etc/ansible/facts.d/peertube.fact")
    assert state_file.mode == 0o644
    state = json.loads(state_file.content_string)
    assert state["version"] == version
    assert state["schema_version"] == SCHEMA[version]
    assert state["runtime"] == "baremetal"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", state["installed_at"])


def test_unit_hardening(host):
    show = host.run(
        "systemctl show peertube -p User -p WorkingDirectory -p Environment -p ProtectSystem"
        " -p PrivateDevices -p NoNewPrivileges -p ProtectHome -p Restart"
    ).stdout
    props = dict(line.split("=", 1) for line in show.strip().splitlines())
    assert props["User"] == "peertube"
    assert props["WorkingDirectory"] == f"{BASE}/peertube-latest"
    assert "NODE_ENV=production" in props["Environment"]
    assert f"NODE_CONFIG_DIR={BASE}/config" in props["Environment"]
    assert props["ProtectSystem"] == "full"
    assert props["PrivateDevices"] == "yes"
    assert props["NoNewPrivileges"] == "yes"
    assert props["ProtectHome"] == "yes"
    assert props["Restart"] == "always"


def test_initial_root_password_is_gone(host):
    assert not host.file("/etc/peertube-initial-root.env").exists
    assert not host.file("/etc/systemd/system/peertube.service.d/fedops-initial-root.conf").exists
    assert "PT_INITIAL_ROOT_PASSWORD" not in host.run("systemctl show peertube -p Environment").stdout
    journal = host.run("journalctl -u peertube --no-pager").stdout
    assert "taken from PT_INITIAL_ROOT_PASSWORD" in journal
    assert "test-root-password" not in journal


def test_redis_drop_in_only_because_asked(host):
    # The scenario sets peertube_redis_unsandbox: true; nothing else may add the drop-in.
    assert host.file("/etc/systemd/system/redis-server.service.d/fedops-unsandbox.conf").exists
    assert host.run("ls /etc/systemd/system/redis-server.service.d").stdout.split() == [
        "fedops-unsandbox.conf"
    ]


def test_become_user_peertube_works(host):
    # The role runs yarn as peertube although its shell is nologin: sudo and acl are there.
    assert host.package("sudo").is_installed
    assert host.package("acl").is_installed
    assert host.run("sudo -u peertube -- id -un").stdout.strip() == "peertube"


def test_probe_user_logs_in(host):
    client = json.loads(
        host.run(
            f"curl -sS --fail -H 'Host: {HOSTNAME}' http://127.0.0.1:9000/api/v1/oauth-clients/local"
        ).stdout
    )
    result = host.run(
        "curl -sS --fail http://127.0.0.1:9000/api/v1/users/token"
        f" -d client_id={client['client_id']} -d client_secret={client['client_secret']}"
        " -d grant_type=password -d username=fedops_probe -d password=test-probe-password"
    )
    assert result.rc == 0, result.stdout
    assert json.loads(result.stdout)["token_type"] == "Bearer"


def test_live_push_succeeds(host):
    # A real RTMP push by the probe user, HLS read back through nginx (fedops.peertube.live_check).
    result = host.ansible(
        "fedops.peertube.live_check",
        f"hostname={HOSTNAME} address=127.0.0.1 ca_file={CERT} username=fedops_probe"
        " password=test-probe-password timeout=90",
        check=False,
    )
    assert result.get("failed") is not True, result
    assert result["ok"] is True, result
    assert result["category"] is None, result


def _playbook(*args):
    """Run ansible-playbook against the scenario's hosts; return (rc, output)."""
    env = dict(os.environ)
    env.setdefault("ANSIBLE_COLLECTIONS_PATH", os.path.join(PLAYBOOKS, "..", "..", ".cache", "collections"))
    cmd = ["ansible-playbook", "-i", os.environ["MOLECULE_INVENTORY_FILE"], *args]
    proc = subprocess.run(
        cmd, cwd=PLAYBOOKS, env=env, capture_output=True, text=True, timeout=1200, check=False
    )
    return proc.returncode, proc.stdout + proc.stderr


def _recap(output):
    return {
        m.group(1): {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", m.group(2))}
        for m in re.finditer(r"^(\S+)\s+:\s+(ok=.*)$", output, re.MULTILINE)
    }


# The two tests below take no `host`: they run once, for the whole scenario.
def test_check_mode_on_converged_hosts_changes_nothing():
    rc, output = _playbook("converge.yml", "--check")
    assert rc == 0, output[-3000:]
    recap = _recap(output)
    hosts = {name[: -len(".yml")] for name in os.listdir(os.path.join(SCENARIO, "host_vars"))}
    assert set(recap) == hosts, output[-2000:]
    assert all(r["changed"] == 0 and r["failed"] == 0 for r in recap.values()), recap


def test_bad_input_fails_before_any_change():
    # negative.yml asserts each refusal names its variable and the host is unchanged after all.
    rc, output = _playbook("negative.yml")
    assert rc == 0, output[-4000:]


def test_secret_diffs_masked_and_ui_overrides_reported():
    # A changed DB password shows as a masked diff; neither password appears anywhere.
    rc, output = _playbook("config_checks.yml", "--check", "--diff")
    assert rc == 0, output[-3000:]
    assert "password: ******** (changed)" in output
    assert "other-secret-value" not in output
    assert "test-db-password" not in output
    assert "local-production.json overrides live.enabled" in output
