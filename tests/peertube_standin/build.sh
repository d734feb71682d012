#!/usr/bin/env bash
# Builds the PeerTube stand-in into .cache/standin/ (layout: docs/standin.md):
#   download/vX.Y.Z/peertube-vX.Y.Z.zip{,.sha256,.asc}, gpg/{public.asc,fingerprint},
#   images/peertube-standin-vX.Y.Z.tar and docker images fedops/peertube-standin:*.
# Every output carries the hash of its inputs and is rebuilt only when they change.
# Env: STANDIN_VERSIONS="3.4.0 4.0.0" (default: all), STANDIN_IMAGES=auto|0|1
#      (auto: build images when fedops/debian-systemd:bookworm exists), PYTHON.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
OUT=${STANDIN_OUT:-$REPO/.cache/standin}
PY=${PYTHON:-$REPO/.venv/bin/python}
[ -x "$PY" ] || PY=python3
IMAGES=${STANDIN_IMAGES:-auto}
BASE_IMAGE=fedops/debian-systemd:bookworm
GNUPGHOME="$OUT/gpg"
export GNUPGHOME

log() { printf 'standin: %s\n' "$*" >&2; }

ALL_VERSIONS=$("$PY" -c 'import json,sys; print(" ".join(k for k in json.load(open(sys.argv[1])) if not k.startswith("_")))' "$HERE/versions.json")
VERSIONS=${STANDIN_VERSIONS:-$ALL_VERSIONS}

# Hash of everything an archive is made from (sources, builder, version table, docker recipe).
inputs_hash() {
    (cd "$HERE" && find src docker build_release.py versions.json -type f -print0 | sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-16
}

ensure_gpg_key() {
    mkdir -p "$GNUPGHOME"
    chmod 700 "$GNUPGHOME"
    if [ ! -s "$GNUPGHOME/fingerprint" ]; then
        log "generating the test signing key"
        gpg --batch --quiet --passphrase '' --quick-gen-key \
            'PeerTube stand-in test key (fedops.peertube tests only) <standin@fedops.invalid>' ed25519 sign never
        gpg --batch --with-colons --list-secret-keys | awk -F: '/^fpr:/ {print $10; exit}' > "$GNUPGHOME/fingerprint"
        gpg --batch --armor --export "$(cat "$GNUPGHOME/fingerprint")" > "$GNUPGHOME/public.asc"
    fi
}

build_archive() {
    local v=$1 hash=$2 fpr dir zip stamp
    fpr=$(cat "$GNUPGHOME/fingerprint")
    dir="$OUT/download/v$v"
    zip="$dir/peertube-v$v.zip"
    stamp="$dir/.inputs"
    if [ -s "$zip" ] && [ -s "$zip.asc" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$hash $fpr" ]; then
        log "v$v archive up to date"
        return
    fi
    log "v$v archive: building"
    mkdir -p "$dir"
    "$PY" "$HERE/build_release.py" "$v" "$zip"
    (cd "$dir" && sha256sum "peertube-v$v.zip" > "peertube-v$v.zip.sha256")
    rm -f "$zip.asc"
    gpg --batch --quiet --yes --armor --local-user "$fpr" --detach-sign --output "$zip.asc" "$zip"
    echo "$hash $fpr" > "$stamp"
}

need() {
    local missing=() tool
    for tool in "$@"; do command -v "$tool" >/dev/null || missing+=("$tool"); done
    if [ ${#missing[@]} -gt 0 ]; then
        log "missing tools: ${missing[*]} (Debian: apt-get install gnupg unzip curl)"
        exit 1
    fi
}

main() {
    need gpg sha256sum
    mkdir -p "$OUT"
    ensure_gpg_key
    local hash
    hash=$(inputs_hash)
    for v in $VERSIONS; do
        build_archive "$v" "$hash"
    done
    case "$IMAGES" in
        0) log "images skipped (STANDIN_IMAGES=0)" ;;
        *)
            if docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
                need docker unzip curl sha1sum
                "$HERE/build_images.sh" $VERSIONS
            elif [ "$IMAGES" = 1 ]; then
                log "base image $BASE_IMAGE missing (make images)"; exit 1
            else
                log "images skipped: $BASE_IMAGE not built yet (make images)"
            fi
            ;;
    esac
    log "done: $OUT"
}

main "$@"
