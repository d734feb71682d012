#!/usr/bin/env python3
"""Seed N local VOD videos with HLS files into a PeerTube (stand-in or real 3.x/4.x schema) host.

Run on the PeerTube host as root. Python 3 stdlib + ffmpeg (once, to make tiny real media per
resolution) + psql (as the postgres OS user, or --db-url). Media files are hardlinked, so
10,000 videos x 4 resolutions take seconds of disk and a few minutes at most.

Naming (docs/standin.md, facts "3.4 and 4.0 in detail"):
  legacy (pre-3.4): master.m3u8, <res>.m3u8, <videoUUID>-<res>-fragmented.mp4, segments-sha256.json
  random (3.4+):    <uuid>-master.m3u8, <fileUUID>-<res>.m3u8, <fileUUID>-<res>-fragmented.mp4,
                    <uuid>-segments-sha256.json
Prints a JSON summary on stdout.
"""

import argparse
import hashlib
import json
import os
import pwd
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

MEDIA_NAME = "media-fragmented.mp4"
BYTERANGE_RE = re.compile(r"#EXT-X-BYTERANGE:(\d+)@(\d+)")


# Staging tables filled by COPY, then set-based inserts keyed by video uuid: one round trip.
SQL_HEAD = """BEGIN;
CREATE TEMP TABLE seed_v (uuid uuid, name text, pl text, sha text) ON COMMIT DROP;
CREATE TEMP TABLE seed_f (uuid uuid, resolution int, size bigint, filename text, torrent text, infohash text)
  ON COMMIT DROP;
"""
SQL_TAIL = """INSERT INTO video (uuid, name, privacy, duration, state, "isLive", remote, url, "channelId")
  SELECT uuid, name, 1, 2, 1, false, false, '{url}/videos/watch/' || uuid, {channel} FROM seed_v;
INSERT INTO "videoStreamingPlaylist" (type, "playlistFilename", "segmentsSha256Filename",
    "p2pMediaLoaderInfohashes", "p2pMediaLoaderPeerVersion", storage, "videoId")
  SELECT 1, s.pl, s.sha, '{{}}', 1, 0, v.id FROM seed_v s JOIN video v ON v.uuid = s.uuid;
INSERT INTO "videoFile" (resolution, size, extname, "infoHash", fps, filename, "torrentFilename", storage,
    "videoStreamingPlaylistId")
  SELECT f.resolution, f.size, '.mp4', f.infohash, 15, f.filename, f.torrent, 0, p.id
  FROM seed_f f JOIN video v ON v.uuid = f.uuid JOIN "videoStreamingPlaylist" p ON p."videoId" = v.id;
COMMIT;
"""


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--count", "-n", type=int, required=True, help="number of videos to create")
    p.add_argument("--naming", choices=["legacy", "random"], required=True)
    p.add_argument("--resolutions", default="240,360", help="comma-separated heights (default 240,360)")
    p.add_argument("--storage", default="/var/www/peertube/storage", help="PeerTube storage dir")
    p.add_argument(
        "--streaming-playlists", help="storage.streaming_playlists (default <storage>/streaming-playlists)"
    )
    p.add_argument("--owner", default="peertube", help="owner of created files (default peertube)")
    p.add_argument("--db-name", default="peertube_prod")
    p.add_argument("--db-url", help="libpq URL; default: psql as the postgres OS user on --db-name")
    p.add_argument("--channel-id", type=int, help="videoChannel id (default: the first channel)")
    p.add_argument("--name-prefix", default="seeded vod")
    p.add_argument("--webserver-url", default="https://example.com", help="prefix of video.url")
    return p.parse_args(argv)


def run_psql(args, sql, capture=False):
    if args.db_url:
        cmd = ["psql", args.db_url]
    else:
        cmd = ["runuser", "-u", "postgres", "--", "psql", "-d", args.db_name]
    cmd += ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-A", "-t", "-f", "-"]
    res = subprocess.run(cmd, input=sql, text=True, capture_output=True, check=False)
    if res.returncode != 0:
        sys.exit(f"psql failed ({res.returncode}): {res.stderr.strip()}")
    return res.stdout if capture else None


def make_media(cache: Path, res: int, owner):
    """Tiny real fMP4 (single file, byte ranges) for one resolution, made once and reused."""
    info_file = cache / str(res) / "info.json"
    if info_file.exists():
        return json.loads(info_file.read_text())
    work = cache / str(res)
    work.mkdir(parents=True, exist_ok=True)
    width = int(round(res * 16 / 9 / 2)) * 2
    cmd = [
        "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", f"testsrc=size={width}x{res}:rate=15",
        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
        "-t", "2", "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-g", "30",
        "-c:a", "aac", "-b:a", "64k",
        "-f", "hls", "-hls_time", "4", "-hls_playlist_type", "vod", "-hls_segment_type", "fmp4",
        "-hls_flags", "single_file", "-hls_segment_filename", str(work / MEDIA_NAME),
        str(work / "media.m3u8"),
    ]  # fmt: skip
    subprocess.run(cmd, check=True)
    media = (work / MEDIA_NAME).read_bytes()
    playlist = (work / "media.m3u8").read_text()
    ranges = {}
    for length, start in BYTERANGE_RE.findall(playlist):
        s, ln = int(start), int(length)
        ranges[f"{s}-{s + ln - 1}"] = hashlib.sha256(media[s : s + ln]).hexdigest()
    info = {
        "resolution": res,
        "width": width,
        "size": len(media),
        "bandwidth": int(len(media) * 8 / 2),
        "playlist": playlist,
        "ranges": ranges,
    }
    os.chown(work / MEDIA_NAME, owner.pw_uid, owner.pw_gid)
    info_file.write_text(json.dumps(info))
    return info


def master_content(entries):
    lines = ["#EXTM3U", "#EXT-X-VERSION:6", ""]
    for info, name in entries:
        lines.append(
            f"#EXT-X-STREAM-INF:BANDWIDTH={info['bandwidth']},RESOLUTION={info['width']}x{info['resolution']},"
            'FRAME-RATE=15,CODECS="avc1.64001f,mp4a.40.2"'
        )
        lines.append(name)
        lines.append("")
    return "\n".join(lines)


def copy_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def main(argv=None) -> int:
    args = parse_args(argv if argv is not None else sys.argv[1:])
    started = time.monotonic()
    if args.count < 0:
        sys.exit("--count must be >= 0")
    resolutions = sorted({int(r) for r in args.resolutions.split(",") if r.strip()})
    owner = pwd.getpwnam(args.owner)
    uid, gid = owner.pw_uid, owner.pw_gid
    storage = Path(args.storage)
    hls_root = Path(args.streaming_playlists or storage / "streaming-playlists") / "hls"
    hls_root.mkdir(parents=True, exist_ok=True)
    # The media cache must be on the same filesystem as the HLS dirs for hardlinks.
    cache = storage / "tmp" / "standin-seed-media"
    cache.mkdir(parents=True, exist_ok=True)
    media = {r: make_media(cache, r, owner) for r in resolutions}

    channel = args.channel_id
    if channel is None:
        out = run_psql(args, 'SELECT min(id) FROM "videoChannel";', capture=True).strip()
        if not out:
            sys.exit("no videoChannel found: start PeerTube once first")
        channel = int(out)

    video_rows, file_rows = [], []
    files_written = 0
    for i in range(args.count):
        vuuid = str(uuid.uuid4())
        vdir = hls_root / vuuid
        vdir.mkdir()
        os.chown(vdir, uid, gid)
        entries, sha = [], {}
        for r in resolutions:
            info = media[r]
            prefix = vuuid if args.naming == "legacy" else str(uuid.uuid4())
            mp4 = f"{prefix}-{r}-fragmented.mp4"
            playlist_name = f"{r}.m3u8" if args.naming == "legacy" else f"{prefix}-{r}.m3u8"
            os.link(cache / str(r) / MEDIA_NAME, vdir / mp4)
            (vdir / playlist_name).write_text(info["playlist"].replace(MEDIA_NAME, mp4))
            os.chown(vdir / playlist_name, uid, gid)
            sha[mp4] = info["ranges"]
            entries.append((info, playlist_name))
            file_rows.append(
                (vuuid, r, info["size"], mp4, f"{prefix}-{r}-hls.torrent", uuid.uuid4().hex[:40])
            )
            files_written += 2
        if args.naming == "legacy":
            master, sha_name = "master.m3u8", "segments-sha256.json"
        else:
            master, sha_name = f"{uuid.uuid4()}-master.m3u8", f"{uuid.uuid4()}-segments-sha256.json"
        (vdir / master).write_text(master_content(entries))
        (vdir / sha_name).write_text(json.dumps(sha))
        os.chown(vdir / master, uid, gid)
        os.chown(vdir / sha_name, uid, gid)
        files_written += 2
        video_rows.append((vuuid, f"{args.name_prefix} {i + 1}", master, sha_name))

    url = args.webserver_url.rstrip("/").replace("'", "''")
    parts = [SQL_HEAD, "COPY seed_v FROM STDIN;\n"]
    parts += ["\t".join(copy_escape(str(c)) for c in row) + "\n" for row in video_rows]
    parts.append("\\.\nCOPY seed_f FROM STDIN;\n")
    parts += ["\t".join(copy_escape(str(c)) for c in row) + "\n" for row in file_rows]
    parts.append("\\.\n" + SQL_TAIL.format(url=url, channel=int(channel)))
    run_psql(args, "".join(parts))

    print(
        json.dumps(
            {
                "videos": len(video_rows),
                "video_files": len(file_rows),
                "files_written": files_written,
                "naming": args.naming,
                "resolutions": resolutions,
                "hls_dir": str(hls_root),
                "channel_id": channel,
                "seconds": round(time.monotonic() - started, 2),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
