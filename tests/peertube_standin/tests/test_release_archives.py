"""Archive contents per version (build_release.py): the facts roles depend on."""

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).resolve().parent.parent
VERSIONS = [v for v in json.loads((HERE / "versions.json").read_text()) if not v.startswith("_")]


@pytest.fixture(scope="module")
def archives(tmp_path_factory):
    out = tmp_path_factory.mktemp("standin")
    result = {}
    for version in VERSIONS:
        path = out / f"peertube-v{version}.zip"
        subprocess.run([sys.executable, str(HERE / "build_release.py"), version, str(path)], check=True)
        result[version] = zipfile.ZipFile(path)
    return result


def read(zf, version, rel):
    return zf.read(f"peertube-v{version}/{rel}").decode()


def has(tree, dotted):
    for key in dotted.split("."):
        if not isinstance(tree, dict) or key not in tree:
            return False
        tree = tree[key]
    return True


@pytest.mark.parametrize("version", VERSIONS)
def test_layout(archives, version):
    zf = archives[version]
    names = zf.namelist()
    assert all(n.startswith(f"peertube-v{version}/") for n in names)
    assert not any("/node_modules/" in n for n in names)
    package = json.loads(read(zf, version, "package.json"))
    assert package["name"] == "peertube" and package["version"] == version
    assert package["scripts"]["start"] == "node dist/server"
    for rel in ["yarn.lock", "dist/server.js", "config/default.yaml", "config/production.yaml.example",
                "support/nginx/peertube", "support/systemd/peertube.service",
                "support/docker/production/entrypoint.sh", "client/dist/index.html",
                "support/docker/production/config/custom-environment-variables.yaml"]:  # fmt: skip
        assert f"peertube-v{version}/{rel}" in names, rel
    assert (
        zf.getinfo(f"peertube-v{version}/support/docker/production/entrypoint.sh").external_attr >> 16
    ) & 0o111


def test_deterministic(tmp_path):
    first, second = tmp_path / "a.zip", tmp_path / "b.zip"
    for path in (first, second):
        subprocess.run([sys.executable, str(HERE / "build_release.py"), "4.0.0", str(path)], check=True)
    assert first.read_bytes() == second.read_bytes()


def test_config_keys_per_version(archives):
    default = {v: yaml.safe_load(read(archives[v], v, "config/default.yaml")) for v in VERSIONS}
    assert has(default["3.4.0"], "log.rotation.maxFileSize") and has(default["3.4.0"], "log.anonymizeIP")
    assert not has(default["3.4.0"], "live.rtmp.enabled") and not has(default["3.4.0"], "storage.bin")
    for v in ["4.0.0-rc.1", "4.0.0", "5.2.1", "6.0.0"]:
        for key in ["live.rtmp.enabled", "live.rtmps.port", "live.rtmps.key_file", "storage.bin",
                    "log.rotation.max_file_size", "log.anonymize_ip"]:  # fmt: skip
            assert has(default[v], key), (v, key)
        assert not has(default[v], "log.rotation.maxFiles")
    assert not has(default["4.0.0"], "secrets")
    assert has(default["5.2.1"], "secrets.peertube") and has(default["5.2.1"], "storage.videos")
    assert has(default["6.0.0"], "storage.web_videos") and not has(default["6.0.0"], "storage.videos")
    assert has(default["6.0.0"], "transcoding.web_videos") and not has(
        default["6.0.0"], "transcoding.webtorrent"
    )


def test_only_4_0_ships_the_hls_script(archives):
    for v in VERSIONS:
        present = f"peertube-v{v}/dist/scripts/migrations/peertube-4.0.js" in archives[v].namelist()
        assert present == v.startswith("4.0.0"), v


def test_client_build_differs_per_version(archives):
    mains = set()
    for v in VERSIONS:
        html = read(archives[v], v, "client/dist/index.html")
        js = [n for n in archives[v].namelist() if "/client/dist/main." in n]
        assert len(js) == 1 and js[0].rsplit("/", 1)[1] in html
        mains.add(js[0].rsplit("/", 1)[1])
    assert len(mains) == len(VERSIONS)


def test_build_info_schema(archives):
    schema = {v: json.loads(read(archives[v], v, "dist/server/build-info.json"))["schema"] for v in VERSIONS}
    assert schema["3.4.0"] == schema["4.0.0"] == 670
    assert 670 < schema["5.2.1"] < schema["6.0.0"]
