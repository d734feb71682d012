#!/usr/bin/env python3
"""Assemble one stand-in release archive (peertube-vX.Y.Z.zip) from src/ and versions.json.

Deterministic: sorted entries, fixed timestamps, so an unchanged input gives the same zip.
Usage: build_release.py VERSION OUTPUT_ZIP
"""

import hashlib
import io
import json
import sys
import zipfile
from pathlib import Path

import jinja2

HERE = Path(__file__).resolve().parent
SRC = HERE / "src"
EPOCH = (2021, 12, 1, 0, 0, 0)
DEPENDENCIES = {"node-media-server": "2.6.2", "pg": "8.11.3", "yaml": "2.3.4"}


def render(path: Path, ctx: dict) -> str:
    env = jinja2.Environment(
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True
    )
    return env.from_string(path.read_text()).render(**ctx)


def client_files(version: str) -> dict:
    """A client build whose hashed file names differ per release, like Angular's output."""
    js = f'/* PeerTube stand-in client {version} */\nwindow.PeerTubeStandinClient = "{version}";\n'
    css = f"/* PeerTube stand-in client {version} */\nbody {{ font-family: sans-serif; }}\n"
    js_name = f"main.{hashlib.sha256(js.encode()).hexdigest()[:16]}.js"
    css_name = f"styles.{hashlib.sha256(css.encode()).hexdigest()[:16]}.css"
    html = (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<title>PeerTube</title>\n<meta name="peertube-standin-version" content="{version}">\n'
        f'<link rel="stylesheet" href="/client/{css_name}">\n</head>\n<body>\n<my-app></my-app>\n'
        f'<script src="/client/{js_name}"></script>\n</body>\n</html>\n'
    )
    return {"client/dist/index.html": html, f"client/dist/{js_name}": js, f"client/dist/{css_name}": css}


def files_for(version: str, spec: dict) -> dict:
    feats = spec["features"]
    ctx = {"version": version, "f": feats}
    out = {}
    package = {
        "name": "peertube",
        "description": "PeerTube stand-in for fedops.peertube tests",
        "version": version,
        "private": True,
        "licence": "AGPL-3.0",
        "engines": {"node": spec["node_engine"]},
        "scripts": {"start": "node dist/server", "reset-password": "node dist/scripts/reset-password.js"},
        "dependencies": DEPENDENCIES,
    }
    out["package.json"] = json.dumps(package, indent=2) + "\n"
    out["yarn.lock"] = (SRC / "yarn.lock").read_text()
    build_info = {
        "version": version,
        "schema": spec["schema"],
        "nodeMin": spec["node_min"],
        "commit": hashlib.sha1(version.encode()).hexdigest(),
        "features": feats,
    }
    out["dist/server/build-info.json"] = json.dumps(build_info, indent=2) + "\n"
    for path in sorted((SRC / "dist").rglob("*")):
        rel = path.relative_to(SRC).as_posix()
        if path.is_dir() or rel.endswith("peertube-4.0.js") and not feats["script40"]:
            continue
        out[rel] = path.read_text()
    for path in sorted(list((SRC / "config").rglob("*")) + list((SRC / "support").rglob("*"))):
        if path.is_dir():
            continue
        rel = path.relative_to(SRC).as_posix()
        if rel.endswith(".j2"):
            out[rel[:-3]] = render(path, ctx)
        else:
            out[rel] = path.read_text()
    out["support/docker/production/Dockerfile.bookworm"] = (HERE / "docker" / "Dockerfile").read_text()
    out.update(client_files(version))
    return out


def main() -> int:
    version, output = sys.argv[1], Path(sys.argv[2])
    spec = json.loads((HERE / "versions.json").read_text())[version]
    top = f"peertube-v{version}"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for rel, content in sorted(files_for(version, spec).items()):
            info = zipfile.ZipInfo(f"{top}/{rel}", date_time=EPOCH)
            mode = 0o755 if rel.endswith(".sh") else 0o644
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, content)
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_suffix(".zip.tmp")
    tmp.write_bytes(buf.getvalue())
    tmp.replace(output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
