#!/usr/bin/env python3
"""Full listing of PeerTube's storage (path, owner, mtime), saved or compared to a saved one.

  storage_listing.py save <storage> <file>      write the listing
  storage_listing.py compare <storage> <file>   compare now with the saved listing, JSON report,
                                                exit 1 when anything differs

Left out, as the scenario says: logs/, tmp/ and the live directories (streaming-playlists/hls/<uuid>
of videos that are not VODs in the database: the probe's lives come and go). The hls/ directory's
own mtime changes when the probe's live directory is created and removed, so only its owner is
compared. Every entry that appears must belong to peertube.
"""

import json
import os
import pwd
import subprocess
import sys

SKIP_TOP = {"logs", "tmp"}
HLS = os.path.join("streaming-playlists", "hls")


def vod_uuids():
    out = subprocess.run(
        ["runuser", "-u", "postgres", "--", "psql", "-d", "peertube_prod", "-Atc",
         'SELECT uuid FROM video WHERE NOT "isLive"'],
        check=True, capture_output=True, text=True,
    ).stdout
    return {line.strip() for line in out.splitlines() if line.strip()}


def listing(storage):
    vods = vod_uuids()
    entries = {}
    for root, dirs, files in os.walk(storage):
        rel_root = os.path.relpath(root, storage)
        if rel_root == ".":
            dirs[:] = [d for d in dirs if d not in SKIP_TOP]
        if rel_root == HLS:
            dirs[:] = [d for d in dirs if d in vods]
        for name in dirs + files:
            path = os.path.join(root, name)
            st = os.lstat(path)
            rel = os.path.relpath(path, storage)
            entries[rel] = {"uid": st.st_uid, "gid": st.st_gid, "mtime_ns": st.st_mtime_ns}
    return entries


def main(argv):
    mode, storage, saved = argv[1:4]
    now = listing(storage)
    if mode == "save":
        with open(saved, "w") as fh:
            json.dump(now, fh, indent=0, sort_keys=True)
        print(json.dumps({"entries": len(now)}))
        return 0
    with open(saved) as fh:
        before = json.load(fh)
    peertube = pwd.getpwnam("peertube")
    missing = sorted(set(before) - set(now))
    def owner(entry):
        return entry["uid"], entry["gid"]

    changed = sorted(
        p for p in set(before) & set(now)
        if before[p] != now[p] and not (p == HLS and owner(before[p]) == owner(now[p]))
    )
    foreign_new = sorted(
        p for p in set(now) - set(before)
        if (now[p]["uid"], now[p]["gid"]) != (peertube.pw_uid, peertube.pw_gid)
    )
    report = {
        "entries_before": len(before), "entries_now": len(now), "new": len(set(now) - set(before)),
        "missing": missing[:20], "changed": [{p: [before[p], now[p]]} for p in changed[:20]],
        "foreign_new": foreign_new[:20],
    }
    print(json.dumps(report))
    return 1 if (missing or changed or foreign_new) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
