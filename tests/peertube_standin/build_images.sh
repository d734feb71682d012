#!/usr/bin/env bash
# Builds fedops/peertube-standin:vX.Y.Z-<debian> (+ production-<debian> for the newest release
# of each Debian suffix) and saves .cache/standin/images/peertube-standin-vX.Y.Z.tar.
# Called by build.sh after the archives exist. Rebuilds an image only when the archive or the
# Dockerfile changed (label org.fedops.standin.inputs).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
OUT=${STANDIN_OUT:-$REPO/.cache/standin}
PY=${PYTHON:-$REPO/.venv/bin/python}
[ -x "$PY" ] || PY=python3
BASE_IMAGE=fedops/debian-systemd:bookworm
REPO_NAME=fedops/peertube-standin
LABEL=org.fedops.standin.inputs

log() { printf 'standin: %s\n' "$*" >&2; }

debian_of() {
    "$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]]["debian"])' "$HERE/versions.json" "$1"
}

YARN_VERSION=1.22.22
YARN_SHA1=ac34549e6aa8e7ead463a7407e1c7390f61a6610
NPM_REGISTRY=${NPM_REGISTRY:-https://registry.npmjs.org}

# yarn 1 for the image build, fetched once from the npm registry and checked.
fetch_yarn() {
    local dest="$OUT/yarn/yarn-$YARN_VERSION.tgz"
    if [ ! -s "$dest" ] || [ "$(sha1sum < "$dest" | cut -c1-40)" != "$YARN_SHA1" ]; then
        mkdir -p "$OUT/yarn"
        curl -fsSL -o "$dest.tmp" "$NPM_REGISTRY/yarn/-/yarn-$YARN_VERSION.tgz"
        [ "$(sha1sum < "$dest.tmp" | cut -c1-40)" = "$YARN_SHA1" ] || { log "yarn tarball checksum mismatch"; exit 1; }
        mv "$dest.tmp" "$dest"
    fi
    echo "$dest"
}

build_one() {
    local v=$1 debian tag zip inputs current ctx old
    debian=$(debian_of "$v")
    tag="$REPO_NAME:v$v-$debian"
    zip="$OUT/download/v$v/peertube-v$v.zip"
    # Contents only (cat, not sha256sum's path column): two checkouts share the same images.
    inputs=$( (cat "$zip" "$HERE/docker/Dockerfile" "$HERE/build_images.sh" | sha256sum; docker image inspect -f '{{.Id}}' "$BASE_IMAGE") | sha256sum | cut -c1-16)
    current=$(docker image inspect -f "{{index .Config.Labels \"$LABEL\"}}" "$tag" 2>/dev/null || true)
    if [ "$current" = "$inputs" ] && [ -s "$OUT/images/peertube-standin-v$v.tar" ]; then
        log "image $tag up to date"
        return
    fi
    log "image $tag: building"
    old=$(docker image inspect -f '{{.Id}}' "$tag" 2>/dev/null || true)
    ctx=$(mktemp -d)
    unzip -q "$zip" -d "$ctx"
    mv "$ctx/peertube-v$v" "$ctx/app"
    cp "$(fetch_yarn)" "$ctx/yarn.tgz"
    cp "$HERE/docker/Dockerfile" "$ctx/Dockerfile"
    docker build -q --build-arg "BASE=$BASE_IMAGE" --label "$LABEL=$inputs" \
        --label "org.opencontainers.image.version=$v" -t "$tag" "$ctx" >/dev/null
    mkdir -p "$OUT/images"
    docker save -o "$OUT/images/peertube-standin-v$v.tar.tmp" "$tag"
    chmod 0644 "$OUT/images/peertube-standin-v$v.tar.tmp"
    mv "$OUT/images/peertube-standin-v$v.tar.tmp" "$OUT/images/peertube-standin-v$v.tar"
    rm -rf "$ctx"
    # Drop the image this build replaced, once nothing refers to it any more.
    if [ -n "$old" ] && [ "$old" != "$(docker image inspect -f '{{.Id}}' "$tag")" ]; then
        docker image inspect -f '{{len .RepoTags}}' "$old" 2>/dev/null | grep -qx 0 && docker rmi "$old" >/dev/null || true
    fi
}

main() {
    local v
    for v in "$@"; do
        build_one "$v"
    done
    # production-<debian>: newest non-rc release per Debian suffix among all versions built.
    "$PY" - "$HERE/versions.json" <<'PY' | while read -r v debian; do
import json, sys
specs = {k: s for k, s in json.load(open(sys.argv[1])).items() if not k.startswith("_") and "-" not in k}
best = {}
for v, s in specs.items():
    key = tuple(int(x) for x in v.split("."))
    if s["debian"] not in best or key > best[s["debian"]][0]:
        best[s["debian"]] = (key, v)
for debian, (_, v) in sorted(best.items()):
    print(v, debian)
PY
        if docker image inspect "$REPO_NAME:v$v-$debian" >/dev/null 2>&1; then
            old=$(docker image inspect -f '{{.Id}}' "$REPO_NAME:production-$debian" 2>/dev/null || true)
            docker tag "$REPO_NAME:v$v-$debian" "$REPO_NAME:production-$debian"
            if [ -n "$old" ] && docker image inspect -f '{{len .RepoTags}}' "$old" 2>/dev/null | grep -qx 0; then
                docker rmi "$old" >/dev/null || true
            fi
        fi
    done
}

main "$@"
