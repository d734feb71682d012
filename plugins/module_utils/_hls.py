# -*- coding: utf-8 -*-
# Copyright: fedops.peertube contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PeerTube 4.0 HLS rename: manifest, completion, verification and reversal.

The upstream script ``dist/scripts/migrations/peertube-4.0.js`` renames, for every local non-live
video whose HLS playlist is still ``master.m3u8``: ``<res>.m3u8`` -> ``<file-uuid>-<res>.m3u8``
(rewriting the master's lines), ``segments-sha256.json`` -> ``<random>-segments-sha256.json`` and
``master.m3u8`` -> ``<random>-master.m3u8``, then saves the new names in
``videoStreamingPlaylist``. Nothing can undo it. Here:

* ``plan`` writes a manifest (JSON Lines, one record per video, sorted by video id) of what the
  script will change, from the database and checked against the disk;
* ``complete`` adds the new names read back from the database;
* ``verify`` checks every file the database references;
* ``reverse`` brings the old names and the original master content back from the manifest alone.

Everything streams: database rows and manifest records are merged in video id order, so memory
does not grow with the number of videos. Only per-video directories named by the database or
the manifest are touched; nothing walks the storage tree.
"""

from __future__ import annotations

import collections
import csv
import datetime
import io
import json
import os
import re
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.fedops.peertube.plugins.module_utils import _version

FORMAT = 1
LEGACY_MASTER = "master.m3u8"
LEGACY_SHA = "segments-sha256.json"
FRAGMENTED_SUFFIX = "-fragmented.mp4"
STORAGE_FS = 0
MAX_PLAYLIST_BYTES = 1024 * 1024
READ_CHUNK = 64 * 1024
UPDATE_BATCH = 500
# What peertube-4.0.js prints for each video it renamed, and how much of a log line a report shows.
SCRIPT_MOVED_LINE = b"Successfully moved"
MAX_REPORTED_LINE = 300
# Video directories are read in batches of PREFETCH_BATCH. Warm (the page cache holds them), the
# calling thread reads them itself: reader threads only contend for the GIL (+15 % at 10,000
# videos). Once a batch takes over COLD_READ_SECONDS per directory, the disk is being read:
# PREFETCH_THREADS threads read ahead, several requests in flight (cold, 4 threads halve the
# time of a serial read; 2 and 8 do less well). At most PREFETCH_THREADS + 1 batches in memory.
PREFETCH_BATCH = 256
PREFETCH_THREADS = 4
COLD_READ_SECONDS = 0.0001
_NO_DIR = (None, None)

_UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
# File names PeerTube writes in an HLS directory: no separators, no leading dot.
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$")


class HlsError(Exception):
    """Input that cannot be handled safely (bad manifest, unsorted rows, unsafe names)."""


# --------------------------------------------------------------------------------------------
# Names


def safe_name(name):
    """Return ``name`` when it is a plain file name, else raise (manifest/DB are not trusted)."""
    if not isinstance(name, str) or not _NAME_RE.match(name) or ".." in name:
        raise HlsError("unsafe file name %r" % (name,))
    return name


def safe_uuid(value):
    if not isinstance(value, str) or not _UUID_RE.match(value):
        raise HlsError("unsafe video uuid %r" % (value,))
    return value.lower()


def legacy_variant_name(resolution):
    return "%d.m3u8" % int(resolution)


def renamed_variant_name(video_filename):
    """Name the 4.0 script gives a resolution playlist: the fMP4 name without its suffix.

    ``video_filename`` is a checked name (PlaylistRow's, or through safe_name).
    """
    if video_filename.endswith(FRAGMENTED_SUFFIX):
        return video_filename[: -len(FRAGMENTED_SUFFIX)] + ".m3u8"
    return os.path.splitext(video_filename)[0] + ".m3u8"


def variant_name(playlist_filename, resolution, video_filename):
    """Resolution playlist name expected on disk for a playlist row in its current naming."""
    if playlist_filename == LEGACY_MASTER:
        return legacy_variant_name(resolution)
    return renamed_variant_name(video_filename)


def playlist_uris(content):
    """URIs (non-comment lines) of a master playlist."""
    for line in content.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            yield line


# --------------------------------------------------------------------------------------------
# Release


def semver_key(version):
    """The shared version order (module_utils/_version.py), failing as this module's errors do."""
    try:
        return _version.semver_key(version)
    except ValueError as exc:
        raise HlsError(str(exc)) from exc


def release_version(release_dir):
    """Version in a release's package.json."""
    path = os.path.join(release_dir, "package.json")
    try:
        with open(path, encoding="utf-8") as handle:
            return str(json.load(handle)["version"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise HlsError("cannot read the version of the release in %s: %s" % (path, exc)) from exc


# --------------------------------------------------------------------------------------------
# Rows and merging


class PlaylistRow(object):
    """One HLS playlist of a local non-live video, with its video files.

    The uuid and every file name are checked here, once (the database is not trusted): the
    code that joins them into paths takes them as they are.
    """

    __slots__ = ("video_id", "uuid", "playlist_id", "playlist_filename", "sha_filename", "storage", "files")

    def __init__(self, video_id, uuid, playlist_id, playlist_filename, sha_filename, storage, files):
        self.video_id = int(video_id)
        self.uuid = safe_uuid(uuid)
        self.playlist_id = int(playlist_id)
        self.playlist_filename = safe_name(playlist_filename)
        self.sha_filename = None if sha_filename is None else safe_name(sha_filename)
        self.storage = int(storage if storage is not None else STORAGE_FS)
        # [(resolution, filename)] highest resolution first
        self.files = [(int(res), safe_name(name)) for res, name in files]

    @classmethod
    def from_aggregate(cls, video_id, uuid, playlist_id, playlist_filename, sha_filename, storage, files):
        """Build from the SQL aggregate ``res:filename/res:filename``."""
        parsed = []
        for item in (files or "").split("/"):
            if not item:
                continue
            res, _sep, name = item.partition(":")
            parsed.append((int(res), name))
        return cls(video_id, uuid, playlist_id, playlist_filename, sha_filename, storage, parsed)


def merge_by_id(left, right, left_key, right_key):
    """Full outer merge of two iterables sorted by integer id: yields ``(id, l or None, r or None)``.

    Raises HlsError when an input is not strictly increasing, since a silent mismatch would
    skip or duplicate videos.
    """
    lit, rit = iter(left), iter(right)
    sentinel = object()

    def advance(it, key, last):
        item = next(it, sentinel)
        if item is sentinel:
            return sentinel, None
        k = key(item)
        if last is not None and k <= last:
            raise HlsError("input not sorted by video id (%s after %s)" % (k, last))
        return item, k

    litem, lk = advance(lit, left_key, None)
    ritem, rk = advance(rit, right_key, None)
    while litem is not sentinel or ritem is not sentinel:
        if ritem is sentinel or (litem is not sentinel and lk < rk):
            yield lk, litem, None
            litem, lk = advance(lit, left_key, lk)
        elif litem is sentinel or rk < lk:
            yield rk, None, ritem
            ritem, rk = advance(rit, right_key, rk)
        else:
            yield lk, litem, ritem
            litem, lk = advance(lit, left_key, lk)
            ritem, rk = advance(rit, right_key, rk)


# --------------------------------------------------------------------------------------------
# Manifest


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def read_manifest(path):
    """Return ``(header, record iterator)``; an absent file is an empty manifest."""
    if not os.path.exists(path):
        return {}, iter(())
    handle = open(path, "r", encoding="utf-8")  # noqa: SIM115 - closed by the record generator
    first = handle.readline()
    try:
        header = json.loads(first) if first.strip() else {}
    except ValueError as exc:
        handle.close()
        raise HlsError("%s: bad header line (%s)" % (path, exc)) from exc
    if header and header.get("fedops_hls_manifest") != FORMAT:
        handle.close()
        raise HlsError("%s is not a fedops HLS manifest of format %d" % (path, FORMAT))

    def records():
        with handle:
            for number, line in enumerate(handle, start=2):
                if not line.strip():
                    continue
                try:
                    yield json.loads(line)
                except ValueError as exc:
                    raise HlsError("%s line %d: %s" % (path, number, exc)) from exc

    return header, records()


# One encoder for every record (json.dumps with options builds one per call).
_encode_record = json.JSONEncoder(sort_keys=True, separators=(",", ":")).encode


class ManifestWriter(object):
    """Write a manifest next to its final path, fsync it, then rename it into place.

    A reader (or a run resuming after a crash) sees the old manifest or the new one, never half.
    """

    def __init__(self, path, header, mode=0o640):
        self.path = path
        directory = os.path.dirname(path) or "."
        self.tmp_path = os.path.join(directory, ".%s.tmp" % os.path.basename(path))
        self._handle = open(self.tmp_path, "w", encoding="utf-8")  # noqa: SIM115 - commit/abort close it
        os.chmod(self.tmp_path, mode)
        self._handle.write(json.dumps(header, sort_keys=True) + "\n")
        self.count = 0

    def write(self, record):
        self._handle.write(_encode_record(record) + "\n")
        self.count += 1
        if self.count % 1000 == 0:
            self._handle.flush()

    def commit(self):
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()
        os.replace(self.tmp_path, self.path)
        dir_fd = os.open(os.path.dirname(self.path) or ".", os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def abort(self):
        if not self._handle.closed:
            self._handle.close()
        if os.path.exists(self.tmp_path):
            os.unlink(self.tmp_path)


def _header(hls_dir, phase):
    return {"fedops_hls_manifest": FORMAT, "hls_dir": hls_dir, "phase": phase, "updated": now_iso()}


class _Sample(object):
    """Count problems, keep only the first few as examples (output stays flat)."""

    def __init__(self, size):
        self.size = size
        self.count = 0
        self.items = []

    def add(self, text):
        self.count += 1
        if len(self.items) < self.size:
            self.items.append(text)


def _read_text(path):
    # os.read, not open().read(limit): a buffered read of the limit allocates the whole limit
    # (1 MiB) for every playlist, 4x the time of the read itself over 10,000 masters.
    fd = os.open(path, os.O_RDONLY)
    try:
        chunks = []
        size = 0
        while size <= MAX_PLAYLIST_BYTES:
            chunk = os.read(fd, READ_CHUNK)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(fd)
    if size > MAX_PLAYLIST_BYTES:
        raise HlsError("%s is larger than %d bytes: not a playlist" % (path, MAX_PLAYLIST_BYTES))
    return b"".join(chunks).decode("utf-8")


def list_video_dir(directory):
    """Names in one video's directory (one getdents instead of a stat per file), or None."""
    try:
        return set(os.listdir(directory))
    except (FileNotFoundError, NotADirectoryError):
        return None


def read_video_dir(hls_dir, row):
    """``(names, master text)`` of a row's video directory: the names present (empty when the
    directory is missing) and the content of the master playlist the row names, None if absent."""
    directory = os.path.join(hls_dir, row.uuid)
    names = list_video_dir(directory) or set()
    master = None
    if row.playlist_filename in names:
        master = _read_text(os.path.join(directory, row.playlist_filename))
    return names, master


def _batches(items, size):
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def with_video_dirs(rows, hls_dir):
    """Yield ``(row, read_video_dir(row))`` in row order; object storage rows get ``(None, None)``.

    Read in this thread while the cache answers; read ahead in threads once a batch shows the
    disk is being read (see PREFETCH_THREADS). Memory stays bounded by the read-ahead window.
    """

    def load(batch):
        return [(r, read_video_dir(hls_dir, r) if r.storage == STORAGE_FS else _NO_DIR) for r in batch]

    batches = _batches(rows, PREFETCH_BATCH)
    for batch in batches:
        started = time.monotonic()
        loaded = load(batch)
        cold = time.monotonic() - started > COLD_READ_SECONDS * len(batch)
        yield from loaded
        if cold:
            break
    with ThreadPoolExecutor(max_workers=PREFETCH_THREADS) as pool:
        window = collections.deque()
        for batch in batches:
            window.append(pool.submit(load, batch))
            if len(window) > PREFETCH_THREADS:
                yield from window.popleft().result()
        while window:
            yield from window.popleft().result()


def _row_id(pair):
    """Video id of a ``(row, video dir)`` pair, the merge key of with_video_dirs() output."""
    return pair[0].video_id


def _same_file(a, b):
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


# --------------------------------------------------------------------------------------------
# plan


def build_record(row, video_dir, planned_at=None):
    """Manifest record of a pending playlist row, checked against the disk.

    ``video_dir``: the row's read_video_dir(). Returns ``(record, missing names)``.
    """
    uuid = row.uuid
    present, master_content = video_dir
    missing = []
    variants = []
    for resolution, filename in row.files:
        old = legacy_variant_name(resolution)
        variants.append(
            {"res": resolution, "old": old, "new": renamed_variant_name(filename), "file": filename}
        )
        for name in (old, filename):
            if name not in present:
                missing.append(name)
    sha = row.sha_filename or LEGACY_SHA
    if sha not in present:
        missing.append(sha)
    if row.playlist_filename != LEGACY_MASTER:
        raise HlsError("video %s is not pending: its playlist is %s" % (uuid, row.playlist_filename))
    if master_content is None:
        missing.append(LEGACY_MASTER)
    record = {
        "video_id": row.video_id,
        "uuid": uuid,
        "playlist_id": row.playlist_id,
        "status": "planned",
        "old": {"master": LEGACY_MASTER, "sha": sha, "variants": variants},
        "master_content": master_content,
        "missing": missing,
        "new": None,
        "planned_at": planned_at or now_iso(),
    }
    record["_present"] = present
    return record, missing


def plan(db, hls_dir, manifest_path, check_mode=False, sample_size=5):
    """Record the pending playlists (merged with an earlier manifest at the same path).

    Earlier records are kept: those already renamed hold the only copy of their original master,
    and for a video still pending the earlier copy is preferred because an interrupted script
    may already have rewritten ``master.m3u8`` in place.
    """
    result = {
        "pending_videos": 0,
        "files": 0,
        "missing_files": 0,
        "videos_with_missing_files": 0,
        "object_storage_videos": 0,
        "stale_links_removed": 0,
        "records": 0,
        "changed": False,
    }
    missing_sample = _Sample(sample_size)
    object_sample = _Sample(sample_size)
    header, old_records = read_manifest(manifest_path)
    planned_at = now_iso()
    writer = None
    objects = None
    objects_path = manifest_path + ".object-storage.txt"
    if not check_mode:
        writer = ManifestWriter(manifest_path, _header(hls_dir, "planned"))
        objects = open(objects_path + ".tmp", "w", encoding="utf-8")  # noqa: SIM115 - closed below
    try:
        rows = with_video_dirs(db.iter_playlists(pending_only=True), hls_dir)
        for _vid, old, pair in merge_by_id(old_records, rows, lambda r: r["video_id"], _row_id):
            row, video_dir = pair if pair is not None else (None, None)
            if row is not None and row.storage != STORAGE_FS:
                # The upstream script reads and moves files on the filesystem only.
                result["object_storage_videos"] += 1
                object_sample.add(row.uuid)
                if objects is not None:
                    objects.write("%s %s\n" % (row.video_id, row.uuid))
                row = None
            if row is None:
                if old is not None and writer is not None:
                    writer.write(old)
                    result["records"] += 1
                continue
            record, missing = build_record(row, video_dir, planned_at)
            if old is not None and old.get("master_content") is not None:
                record["master_content"] = old["master_content"]
                record["planned_at"] = old.get("planned_at", record["planned_at"])
                if LEGACY_MASTER in missing:
                    missing.remove(LEGACY_MASTER)
            result["pending_videos"] += 1
            result["files"] += 2 + len(record["old"]["variants"])
            if missing:
                result["videos_with_missing_files"] += 1
                result["missing_files"] += len(missing)
                for name in missing:
                    missing_sample.add("%s/%s" % (record["uuid"], name))
            # A reversal left <file-uuid>-<res>.m3u8 as a hard link of <res>.m3u8: the script's
            # move would fail on it and leave the variant unrenamed, so drop the extra link.
            directory = os.path.join(hls_dir, record["uuid"])
            present = record.pop("_present")
            for variant in record["old"]["variants"]:
                if variant["new"] not in present or variant["old"] not in present:
                    continue
                new_path = os.path.join(directory, variant["new"])
                old_path = os.path.join(directory, variant["old"])
                if _same_file(old_path, new_path):
                    result["stale_links_removed"] += 1
                    if not check_mode:
                        os.unlink(new_path)
            if writer is not None:
                writer.write(record)
                result["records"] += 1
    except BaseException:
        if writer is not None:
            writer.abort()
        if objects is not None:
            objects.close()
            os.unlink(objects_path + ".tmp")
        raise
    if writer is not None:
        objects.close()
        if result["pending_videos"] or result["stale_links_removed"]:
            writer.commit()
            result["changed"] = True
        else:
            # Nothing pending: an earlier manifest stays as it is, and no new one appears.
            writer.abort()
        if result["object_storage_videos"]:
            os.replace(objects_path + ".tmp", objects_path)
        else:
            os.unlink(objects_path + ".tmp")
    result["missing_sample"] = missing_sample.items
    result["object_storage_sample"] = object_sample.items
    result["object_storage_list"] = (
        objects_path if (writer is not None and result["object_storage_videos"]) else None
    )
    return result


# --------------------------------------------------------------------------------------------
# complete


def _completion_key(record):
    """What completing may change in a record (compared instead of re-serialising it)."""
    return record.get("status"), record.get("new"), [v.get("new") for v in record["old"]["variants"]]


def _complete_record(record, row, result):
    """Add the database's current names to ``record``; returns True when it changed."""
    before = _completion_key(record)
    if row is None or row.playlist_id != record["playlist_id"]:
        # Deleted, or re-transcoded into a new playlist: nothing of ours left to track.
        record["status"] = "gone"
        result["gone"] += 1
    elif row.playlist_filename == LEGACY_MASTER:
        record["status"] = "pending"
        result["still_pending"] += 1
    else:
        files = dict((res, name) for res, name in row.files)
        for variant in record["old"]["variants"]:
            if variant["res"] in files:
                variant["new"] = renamed_variant_name(files[variant["res"]])
        record["new"] = {
            "master": row.playlist_filename,
            "sha": safe_name(row.sha_filename),
            "variants": [v["new"] for v in record["old"]["variants"]],
        }
        record["status"] = "renamed"
        result["renamed"] += 1
    return _completion_key(record) != before


def complete(db, hls_dir, manifest_path, check_mode=False, verify_options=None):
    """Add the names the database holds now to every record of the manifest.

    With ``verify_options`` (keyword arguments of verify()), verify in the same pass: one
    database query, one manifest read and one directory listing per video instead of two.
    The verification is returned under ``verification``.
    """
    result = {"renamed": 0, "still_pending": 0, "gone": 0, "records": 0, "changed": False}
    header, records = read_manifest(manifest_path)
    if not header:
        raise HlsError("no manifest at %s: run mode=plan first" % manifest_path)
    checker = None
    if verify_options is not None:
        checker = _Verifier(**verify_options)
    writer = (
        None
        if check_mode
        else ManifestWriter(manifest_path, _header(header.get("hls_dir", hls_dir), "completed"))
    )
    changed = False
    try:
        rows = db.iter_playlists(pending_only=False)
        # Only the verification reads the video directories.
        rows = with_video_dirs(rows, hls_dir) if checker is not None else ((row, None) for row in rows)
        for _vid, record, pair in merge_by_id(records, rows, lambda r: r["video_id"], _row_id):
            row, video_dir = pair if pair is not None else (None, None)
            if checker is not None and row is not None:
                checker.check(row, record, video_dir)
            if record is None:
                continue
            if _complete_record(record, row, result):
                changed = True
            if writer is not None:
                writer.write(record)
            result["records"] += 1
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    if writer is not None:
        if changed:
            writer.commit()
        else:
            writer.abort()
    result["changed"] = changed
    if checker is not None:
        result["verification"] = checker.result()
    return result


# --------------------------------------------------------------------------------------------
# The script's run


def script_status(log_path, wait_seconds=0, deadline=0, poll_seconds=0.05):
    """State of the rename script started in the background with its output in ``log_path``.

    The job that runs it writes the exit code to ``<log_path>.rc`` when it ends (renamed into
    place: never read half). Waits up to ``wait_seconds`` for that marker, so the caller goes on
    as soon as the script ends. Returns ``{"status", "rc", "moved", "last"}``: ``done`` with the
    exit code; ``running``; or ``stalled`` once ``deadline`` (epoch seconds, 0: none) has passed
    with no marker. ``moved``/``last``: videos the log reports renamed, and its last line.
    """
    rc_path = log_path + ".rc"
    give_up = time.monotonic() + max(wait_seconds, 0)
    status, rc = "done", None
    while not os.path.exists(rc_path):
        if deadline and time.time() > deadline:
            status = "stalled"
            break
        if time.monotonic() >= give_up:
            status = "running"
            break
        time.sleep(poll_seconds)
    else:
        with open(rc_path, encoding="utf-8") as handle:
            rc = handle.read().strip()
    moved, last = 0, b""
    try:
        with open(log_path, "rb") as handle:
            for line in handle:
                if SCRIPT_MOVED_LINE in line:
                    moved += 1
                if line.strip():
                    last = line
    except FileNotFoundError:
        pass
    last = last.strip().decode("utf-8", "replace")
    if len(last) > MAX_REPORTED_LINE:
        last = last[: MAX_REPORTED_LINE - 3] + "..."
    return {"status": status, "rc": rc, "moved": moved, "last": last}


def run_failures(script_rc, completed, allowed_pending=0):
    """Why a forward run failed, one message each; empty when it succeeded.

    ``completed``: complete()'s result with ``verification``. The script must have exited 0,
    no video may stay pending beyond ``allowed_pending`` (videos whose files were missing before
    the run, when the caller accepts them), and the verification must find no problem.
    """
    failures = []
    script_rc = str(script_rc if script_rc is not None else "").strip()
    if script_rc in ("", "?"):
        failures.append("The HLS rename script left no exit code.")
    elif script_rc != "0":
        failures.append("The HLS rename script exited with %s." % script_rc)
    if completed["still_pending"] > allowed_pending:
        failures.append("The HLS rename script left %d videos with master.m3u8." % completed["still_pending"])
    verification = completed["verification"]
    if verification["problems"]:
        failures.append(
            "%d problems after the rename, e.g. %s."
            % (verification["problems"], "; ".join(verification["problem_sample"]))
        )
    return failures


def run_record(record, manifest_path, completed):
    """The ``migrations_done`` entry of a successful forward run: ``record`` (the caller's keys,
    its ``result`` merged) with the time, the manifest and the counts of complete()."""
    entry = dict(record)
    entry.setdefault("id", "hls-rename-4.0")
    entry["time"] = now_iso()
    entry["manifest"] = manifest_path
    verification = completed["verification"]
    entry["result"] = dict(
        record.get("result") or {},
        renamed=completed["renamed"],
        verified_videos=verification["videos"],
        preexisting_broken=verification["preexisting_broken"],
    )
    return entry


# --------------------------------------------------------------------------------------------
# verify


def verify_row(row, video_dir, problems):
    """Check the files a playlist row references; returns the number of files checked.

    ``video_dir``: the row's read_video_dir().
    """
    present, content = video_dir
    checked = 0
    names = [safe_name(row.sha_filename)]
    for resolution, filename in row.files:
        names.append(filename)
        names.append(variant_name(row.playlist_filename, resolution, filename))
    for name in names:
        checked += 1
        if name not in present:
            problems.append("%s/%s missing" % (row.uuid, name))
    checked += 1
    if content is None:
        problems.append("%s/%s missing" % (row.uuid, row.playlist_filename))
        return checked
    uris = list(playlist_uris(content))
    if not uris:
        problems.append("%s/%s lists no variant" % (row.uuid, row.playlist_filename))
    for uri in uris:
        if uri not in present:
            problems.append("%s/%s references missing %s" % (row.uuid, row.playlist_filename, uri))
    return checked


class _Verifier(object):
    """Verification of one playlist row at a time (with its manifest record, if any)."""

    def __init__(self, expect_renamed=True, sample_size=5):
        self.expect_renamed = expect_renamed
        self.sample = _Sample(sample_size)
        self.counts = {
            "videos": 0,
            "files_checked": 0,
            "problems": 0,
            "preexisting_broken": 0,
            "pending_videos": 0,
            "object_storage_videos": 0,
        }

    def check(self, row, record, video_dir):
        counts = self.counts
        if row.storage != STORAGE_FS:
            counts["object_storage_videos"] += 1
            return
        counts["videos"] += 1
        problems = []
        counts["files_checked"] += verify_row(row, video_dir, problems)
        if self.expect_renamed and row.playlist_filename == LEGACY_MASTER:
            counts["pending_videos"] += 1
            problems.append("%s still named %s" % (row.uuid, LEGACY_MASTER))
        if problems:
            if record is not None and record.get("missing"):
                counts["preexisting_broken"] += 1
                return
            counts["problems"] += len(problems)
            for text in problems:
                self.sample.add(text)

    def result(self):
        result = dict(self.counts)
        result["problem_sample"] = self.sample.items
        return result


def verify(db, hls_dir, manifest_path=None, expect_renamed=True, sample_size=5):
    """Check every HLS file the database references for local non-live filesystem videos.

    Videos whose manifest record listed missing files before the run count apart
    (``preexisting_broken``): the script cannot have caused those.
    """
    checker = _Verifier(expect_renamed=expect_renamed, sample_size=sample_size)
    records = iter(())
    if manifest_path:
        _header_unused, records = read_manifest(manifest_path)
    rows = with_video_dirs(db.iter_playlists(pending_only=False), hls_dir)
    for _vid, record, pair in merge_by_id(records, rows, lambda r: r["video_id"], _row_id):
        if pair is not None:
            checker.check(pair[0], record, pair[1])
    return checker.result()


# --------------------------------------------------------------------------------------------
# reverse


def _link_pair(directory, present, old, new, check_mode, counts):
    """Make both names exist as one inode; return False when neither exists."""
    old_path = os.path.join(directory, old)
    new_path = os.path.join(directory, new)
    old_ok = old in present
    new_ok = new in present
    if old_ok and new_ok:
        return True
    if not old_ok and not new_ok:
        return False
    src, dst = (new_path, old_path) if new_ok else (old_path, new_path)
    counts["links_created"] += 1
    if not check_mode:
        os.link(src, dst)
    return True


def _write_like(path, content, reference):
    """Write ``content`` atomically (temp file + rename) with the owner and mode of ``reference``.

    Not fsynced one by one: reverse() syncs once per database batch, before the rows that make
    PeerTube read these files are updated; a crash before that is repaired by re-running.
    """
    st = os.stat(reference)
    tmp = "%s.fedops-tmp" % path
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(content)
    try:
        os.chmod(tmp, 0o644 if os.path.isdir(reference) else (st.st_mode & 0o7777))
        if os.geteuid() == 0:
            os.chown(tmp, st.st_uid, st.st_gid)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _find_sha(present):
    """The renamed segments file of a record whose new name was never read back: the script
    leaves exactly one in the video's directory."""
    names = [n for n in present if n.endswith("-" + LEGACY_SHA)]
    return names[0] if len(names) == 1 else None


def reverse_record(record, hls_dir, check_mode, counts):
    """Restore one video's old names and original master; returns True when complete."""
    uuid = safe_uuid(record["uuid"])
    directory = os.path.join(hls_dir, uuid)
    present = list_video_dir(directory)
    if present is None:
        return False
    complete_ok = True
    new = record.get("new") or {}
    for variant in record["old"]["variants"]:
        old, new_name = safe_name(variant["old"]), safe_name(variant["new"])
        if not _link_pair(directory, present, old, new_name, check_mode, counts):
            complete_ok = False
    old_sha = safe_name(record["old"]["sha"])
    new_sha = new.get("sha") or _find_sha(present)
    if new_sha:
        if not _link_pair(directory, present, old_sha, safe_name(new_sha), check_mode, counts):
            complete_ok = False
    elif old_sha not in present:
        complete_ok = False
    content = record.get("master_content")
    old_master = safe_name(record["old"]["master"])
    master_path = os.path.join(directory, old_master)
    if content is None:
        return False
    current = _read_text(master_path) if old_master in present else None
    if current != content:
        counts["masters_restored"] += 1
        if not check_mode:
            new_master = safe_name(new["master"]) if new.get("master") else None
            reference = os.path.join(directory, new_master) if new_master in present else directory
            _write_like(master_path, content, reference)
    return complete_ok


def reverse(db, hls_dir, manifest_path, restore_db=True, check_mode=False, sample_size=5):
    """Bring back every old name (hard links, the new names stay) and the original masters.

    The database columns are set back to the legacy names only for videos whose files were all
    restored, and only where they still hold the manifest's new name: a database restored from
    the pre-upgrade dump already holds the legacy names and is left alone.
    """
    counts = {"links_created": 0, "masters_restored": 0}
    result = {"videos": 0, "restored_videos": 0, "incomplete_videos": 0, "db_rows_restored": 0}
    sample = _Sample(sample_size)
    header, records = read_manifest(manifest_path)
    if not header:
        raise HlsError("no manifest at %s" % manifest_path)
    hls_dir = hls_dir or header.get("hls_dir")
    batch = []

    def flush():
        if not check_mode:
            # Restored files reach the disk before the rows pointing PeerTube at them.
            os.sync()
        if batch and restore_db:
            result["db_rows_restored"] += db.restore_legacy_names(list(batch), check_mode=check_mode)
        del batch[:]

    for record in records:
        if record.get("status") == "gone":
            continue
        result["videos"] += 1
        if reverse_record(record, hls_dir, check_mode, counts):
            result["restored_videos"] += 1
            new_master = (record.get("new") or {}).get("master")
            batch.append((int(record["playlist_id"]), new_master))
            if len(batch) >= UPDATE_BATCH:
                flush()
        else:
            result["incomplete_videos"] += 1
            sample.add(record["uuid"])
    flush()
    result.update(counts)
    result["incomplete_sample"] = sample.items
    result["hls_dir"] = hls_dir
    result["changed"] = bool(
        counts["links_created"] or counts["masters_restored"] or result["db_rows_restored"]
    )
    return result


# --------------------------------------------------------------------------------------------
# Database access


_SELECT = (
    'SELECT v.id, v.uuid::text, p.id, p."playlistFilename", p."segmentsSha256Filename", p.storage, '
    "string_agg(f.resolution::text || ':' || f.filename, '/' ORDER BY f.resolution DESC) "
    'FROM video v JOIN "videoStreamingPlaylist" p ON p."videoId" = v.id AND p.type = 1 '
    'JOIN "videoFile" f ON f."videoStreamingPlaylistId" = p.id '
    'WHERE v.remote = false AND v."isLive" = false %s '
    "GROUP BY v.id, v.uuid, p.id ORDER BY v.id"
)
_PENDING = "AND p.\"playlistFilename\" = 'master.m3u8'"


def select_sql(pending_only):
    return _SELECT % (_PENDING if pending_only else "")


def restore_sql(batch):
    """One UPDATE for a batch of ``(playlist id, recorded new master or None)``; values are
    ints and names checked by safe_name, so literal quoting is safe."""
    values = []
    for playlist_id, name in batch:
        literal = "NULL" if name is None else "'%s'" % safe_name(name)
        values.append("(%d, %s::varchar)" % (int(playlist_id), literal))
    return (
        'UPDATE "videoStreamingPlaylist" p SET "playlistFilename" = \'%s\', '
        "\"segmentsSha256Filename\" = '%s' FROM (VALUES %s) AS r(id, name) "
        "WHERE p.id = r.id AND p.\"playlistFilename\" <> '%s' "
        'AND (r.name IS NULL OR p."playlistFilename" = r.name)'
        % (LEGACY_MASTER, LEGACY_SHA, ", ".join(values), LEGACY_MASTER)
    )


class PsycopgDb(object):
    """psycopg2 with a server-side cursor: rows arrive in chunks, never all at once."""

    def __init__(self, psycopg2, **params):
        self._conn = psycopg2.connect(**params)

    def iter_playlists(self, pending_only):
        with self._conn:
            cursor = self._conn.cursor(name="fedops_hls_rename")
            cursor.itersize = 2000
            cursor.execute(select_sql(pending_only))
            for row in cursor:
                yield PlaylistRow.from_aggregate(*row)
            cursor.close()

    def restore_legacy_names(self, batch, check_mode=False):
        with self._conn, self._conn.cursor() as cursor:
            cursor.execute(restore_sql(batch))
            count = cursor.rowcount
            if check_mode:
                self._conn.rollback()
        return count

    def close(self):
        self._conn.close()


class PsqlDb(object):
    """``psql`` (optionally as another OS user, for peer authentication), streaming COPY output."""

    def __init__(self, argv_prefix, env=None):
        self._prefix = list(argv_prefix)
        self._env = env

    def _argv(self, *extra, **kwargs):
        quiet = ["-q"] if kwargs.get("quiet", True) else []
        return self._prefix + ["-X"] + quiet + ["-v", "ON_ERROR_STOP=1"] + list(extra)

    def iter_playlists(self, pending_only):
        sql = "COPY (%s) TO STDOUT WITH (FORMAT csv)" % select_sql(pending_only)
        proc = subprocess.Popen(
            self._argv("-c", sql), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=self._env
        )
        try:
            reader = csv.reader(io.TextIOWrapper(proc.stdout, encoding="utf-8", newline=""))
            for row in reader:
                yield PlaylistRow.from_aggregate(*[None if v == "" else v for v in row])
        finally:
            proc.stdout.close()
            err = proc.stderr.read().decode("utf-8", "replace")
            proc.stderr.close()
            code = proc.wait()
        if code != 0:
            raise HlsError("psql failed (%d): %s" % (code, err.strip()))

    def restore_legacy_names(self, batch, check_mode=False):
        sql = restore_sql(batch)
        if check_mode:
            sql = "BEGIN; %s; ROLLBACK;" % sql
        proc = subprocess.run(
            self._argv("-c", sql, quiet=False),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=self._env,
            check=False,
        )
        out = proc.stdout.decode("utf-8", "replace")
        if proc.returncode != 0:
            raise HlsError("psql failed (%d): %s" % (proc.returncode, proc.stderr.decode("utf-8", "replace")))
        # Not quiet: the "UPDATE n" command tag is the row count.
        match = re.findall(r"UPDATE (\d+)", out)
        return sum(int(m) for m in match)

    def close(self):
        pass
