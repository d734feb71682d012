# Copyright: fedops.peertube contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""_hls: plan / complete / verify / reverse on real temporary HLS trees.

The database is a small in-memory fake of the two queries the module makes; the 4.0 script is
imitated by ``run_script`` (same renames, same partial-failure behaviour) since the real one
needs PeerTube. The real script and PostgreSQL run in the molecule scenario and the benchmark.
"""

from __future__ import annotations

import os
import uuid as uuidlib

import pytest

from ansible_collections.fedops.peertube.plugins.module_utils import _hls


class FakeDb(object):
    def __init__(self):
        self.rows = []
        self.updates = 0

    def add(self, row):
        self.rows.append(row)
        self.rows.sort(key=lambda r: r.video_id)

    def iter_playlists(self, pending_only):
        for row in self.rows:
            if pending_only and row.playlist_filename != _hls.LEGACY_MASTER:
                continue
            yield row

    def restore_legacy_names(self, batch, check_mode=False):
        count = 0
        wanted = dict(batch)
        for row in self.rows:
            if row.playlist_id not in wanted or row.playlist_filename == _hls.LEGACY_MASTER:
                continue
            name = wanted[row.playlist_id]
            if name is not None and row.playlist_filename != name:
                continue
            count += 1
            if not check_mode:
                row.playlist_filename = _hls.LEGACY_MASTER
                row.sha_filename = _hls.LEGACY_SHA
        self.updates += count
        return count


RESOLUTIONS = (720, 480, 360, 240)


def master_text(names):
    lines = ["#EXTM3U", "#EXT-X-VERSION:6"]
    for name in names:
        lines += ["#EXT-X-STREAM-INF:BANDWIDTH=1000,RESOLUTION=1x1", name]
    return "\n".join(lines) + "\n"


def seed(db, hls_dir, video_id, legacy=True, storage=0):
    """One video as 3.3 (legacy) or 3.4 (random names) wrote it."""
    vuuid = str(uuidlib.uuid4())
    directory = os.path.join(hls_dir, vuuid)
    os.makedirs(directory)
    files = []
    variants = []
    for res in RESOLUTIONS:
        prefix = vuuid if legacy else str(uuidlib.uuid4())
        fmp4 = "%s-%d-fragmented.mp4" % (prefix, res)
        files.append((res, fmp4))
        variant = "%d.m3u8" % res if legacy else "%s-%d.m3u8" % (prefix, res)
        variants.append(variant)
        with open(os.path.join(directory, fmp4), "wb") as handle:
            handle.write(b"\0" * 64)
        with open(os.path.join(directory, variant), "w") as handle:
            handle.write('#EXTM3U\n#EXT-X-MAP:URI="%s"\n' % fmp4)
    master = "master.m3u8" if legacy else "%s-master.m3u8" % uuidlib.uuid4()
    sha = "segments-sha256.json" if legacy else "%s-segments-sha256.json" % uuidlib.uuid4()
    with open(os.path.join(directory, master), "w") as handle:
        handle.write(master_text(variants))
    with open(os.path.join(directory, sha), "w") as handle:
        handle.write("{}")
    row = _hls.PlaylistRow(video_id, vuuid, video_id + 1000, master, sha, storage, files)
    db.add(row)
    return row


def run_script(db, hls_dir, only=None, fail_move=None):
    """What peertube-4.0.js does to each pending local filesystem video."""
    for row in db.rows:
        if row.playlist_filename != "master.m3u8" or (only is not None and row.video_id not in only):
            continue
        directory = os.path.join(hls_dir, row.uuid)
        master = os.path.join(directory, "master.m3u8")
        with open(master) as handle:
            content = handle.read()
        for res, fmp4 in row.files:
            src, dst = "%d.m3u8" % res, fmp4.replace("-fragmented.mp4", ".m3u8")
            if fail_move == src or os.path.exists(os.path.join(directory, dst)):
                continue  # fs-extra move refuses an existing destination; logged and skipped
            os.rename(os.path.join(directory, src), os.path.join(directory, dst))
            content = "\n".join(dst if line == src else line for line in content.split("\n"))
        with open(master, "w") as handle:
            handle.write(content)
        new_sha = "%s-segments-sha256.json" % uuidlib.uuid4()
        os.rename(os.path.join(directory, row.sha_filename), os.path.join(directory, new_sha))
        row.sha_filename = new_sha
        new_master = "%s-master.m3u8" % uuidlib.uuid4()
        os.rename(master, os.path.join(directory, new_master))
        row.playlist_filename = new_master


@pytest.fixture
def tree(tmp_path):
    hls_dir = tmp_path / "hls"
    hls_dir.mkdir()
    backup = tmp_path / "backup"
    backup.mkdir()
    return str(hls_dir), str(backup / "hls-rename-4.0.jsonl")


def records(path):
    header, items = _hls.read_manifest(path)
    return header, list(items)


@pytest.mark.parametrize(
    "field, value",
    [
        ("uuid", "../../etc"),
        ("playlist", "../master.m3u8"),
        ("sha", "a/b.json"),
        ("file", "../x-720-fragmented.mp4"),
    ],
)
def test_database_rows_with_unsafe_names_are_refused(field, value):
    args = {
        "uuid": str(uuidlib.uuid4()),
        "playlist": "master.m3u8",
        "sha": "segments-sha256.json",
        "file": "abc-720-fragmented.mp4",
    }
    args[field] = value
    with pytest.raises(_hls.HlsError):
        _hls.PlaylistRow(1, args["uuid"], 2, args["playlist"], args["sha"], 0, [(720, args["file"])])


def test_variant_names():
    assert _hls.renamed_variant_name("abc-720-fragmented.mp4") == "abc-720.m3u8"
    assert _hls.variant_name("master.m3u8", 480, "abc-480-fragmented.mp4") == "480.m3u8"
    assert _hls.variant_name("x-master.m3u8", 480, "abc-480-fragmented.mp4") == "abc-480.m3u8"


@pytest.mark.parametrize("name", ["../etc/passwd", "a/b", ".hidden", "", None, "x..y"])
def test_unsafe_names_refused(name):
    with pytest.raises(_hls.HlsError):
        _hls.safe_name(name)


def test_merge_by_id_outer_join_and_order_check():
    merged = list(_hls.merge_by_id([1, 3, 5], [2, 3], int, int))
    assert merged == [(1, 1, None), (2, None, 2), (3, 3, 3), (5, 5, None)]
    with pytest.raises(_hls.HlsError):
        list(_hls.merge_by_id([1, 3, 2], [], int, int))


def test_plan_records_only_legacy_fs_videos(tree):
    hls_dir, manifest = tree
    db = FakeDb()
    legacy = [seed(db, hls_dir, i) for i in (1, 2, 3)]
    seed(db, hls_dir, 4, legacy=False)
    objects = seed(db, hls_dir, 5, storage=1)
    result = _hls.plan(db, hls_dir, manifest)
    assert result["changed"] is True
    assert result["pending_videos"] == 3
    assert result["files"] == 3 * (2 + len(RESOLUTIONS))
    assert result["missing_files"] == 0
    assert result["object_storage_videos"] == 1
    with open(result["object_storage_list"]) as handle:
        assert handle.read() == "5 %s\n" % objects.uuid
    header, items = records(manifest)
    assert header["hls_dir"] == hls_dir and header["phase"] == "planned"
    assert [r["uuid"] for r in items] == [r.uuid for r in legacy]
    first = items[0]
    with open(os.path.join(hls_dir, first["uuid"], "master.m3u8")) as handle:
        assert first["master_content"] == handle.read()
    assert [v["old"] for v in first["old"]["variants"]] == ["720.m3u8", "480.m3u8", "360.m3u8", "240.m3u8"]
    assert first["old"]["variants"][0]["new"] == "%s-720.m3u8" % first["uuid"]
    assert not os.path.exists(os.path.dirname(manifest) + "/.hls-rename-4.0.jsonl.tmp")


def test_plan_check_mode_writes_nothing(tree):
    hls_dir, manifest = tree
    db = FakeDb()
    seed(db, hls_dir, 1)
    seed(db, hls_dir, 2, storage=1)
    result = _hls.plan(db, hls_dir, manifest, check_mode=True)
    assert result["pending_videos"] == 1 and result["files"] == 6
    assert result["object_storage_videos"] == 1
    assert os.listdir(os.path.dirname(manifest)) == []


def test_nothing_pending_writes_nothing(tree):
    hls_dir, manifest = tree
    db = FakeDb()
    seed(db, hls_dir, 1, legacy=False)
    result = _hls.plan(db, hls_dir, manifest)
    assert result["pending_videos"] == 0 and result["changed"] is False
    assert os.listdir(os.path.dirname(manifest)) == []


def test_missing_files_reported_up_front(tree):
    hls_dir, manifest = tree
    db = FakeDb()
    row = seed(db, hls_dir, 1)
    os.unlink(os.path.join(hls_dir, row.uuid, "480.m3u8"))
    result = _hls.plan(db, hls_dir, manifest, check_mode=True)
    assert result["missing_files"] == 1 and result["videos_with_missing_files"] == 1
    assert result["missing_sample"] == ["%s/480.m3u8" % row.uuid]


def forward(db, hls_dir, manifest, **script):
    _hls.plan(db, hls_dir, manifest)
    run_script(db, hls_dir, **script)
    return _hls.complete(db, hls_dir, manifest)


def test_complete_and_verify_after_script(tree):
    hls_dir, manifest = tree
    db = FakeDb()
    rows = [seed(db, hls_dir, i) for i in (1, 2)] + [seed(db, hls_dir, 3, legacy=False)]
    result = forward(db, hls_dir, manifest)
    assert result == {"renamed": 2, "still_pending": 0, "gone": 0, "records": 2, "changed": True}
    _header, items = records(manifest)
    assert items[0]["new"]["master"] == rows[0].playlist_filename
    assert items[0]["new"]["sha"] == rows[0].sha_filename
    checked = _hls.verify(db, hls_dir, manifest)
    assert checked["problems"] == 0, checked["problem_sample"]
    assert checked["videos"] == 3 and checked["files_checked"] == 3 * (2 + 2 * len(RESOLUTIONS))
    # completing again changes nothing
    assert _hls.complete(db, hls_dir, manifest)["changed"] is False


def test_verify_catches_partial_rename_and_dangling_master(tree):
    hls_dir, manifest = tree
    db = FakeDb()
    row = seed(db, hls_dir, 1)
    forward(db, hls_dir, manifest, fail_move="360.m3u8")
    result = _hls.verify(db, hls_dir, manifest)
    # the script left 360.m3u8 under its old name while the DB row says renamed
    assert result["problems"] == 1
    assert result["problem_sample"] == ["%s/%s-360.m3u8 missing" % (row.uuid, row.uuid)]
    os.unlink(os.path.join(hls_dir, row.uuid, "%s-720.m3u8" % row.uuid))
    result = _hls.verify(db, hls_dir, manifest, sample_size=1)
    assert result["problems"] == 3  # 720 variant missing + referenced by master + 360 variant
    assert len(result["problem_sample"]) == 1


def test_verify_counts_pending_and_preexisting_apart(tree):
    hls_dir, manifest = tree
    db = FakeDb()
    broken = seed(db, hls_dir, 1)
    os.unlink(os.path.join(hls_dir, broken.uuid, "240.m3u8"))
    seed(db, hls_dir, 2)
    _hls.plan(db, hls_dir, manifest)
    result = _hls.verify(db, hls_dir, manifest)
    assert result["pending_videos"] == 2 and result["preexisting_broken"] == 1
    assert result["problems"] == 1  # video 2 not renamed yet
    assert _hls.verify(db, hls_dir, manifest, expect_renamed=False)["problems"] == 0


def snapshot(hls_dir, row):
    directory = os.path.join(hls_dir, row.uuid)
    out = {}
    for name in sorted(os.listdir(directory)):
        with open(os.path.join(directory, name), "rb") as handle:
            out[name] = handle.read()
    return out


def test_reverse_restores_old_names_keeps_new_and_db(tree):
    hls_dir, manifest = tree
    db = FakeDb()
    row = seed(db, hls_dir, 1)
    modern = seed(db, hls_dir, 2, legacy=False)
    before = snapshot(hls_dir, row)
    modern_before = (modern.playlist_filename, snapshot(hls_dir, modern))
    forward(db, hls_dir, manifest)
    new_master, new_sha = row.playlist_filename, row.sha_filename
    renamed = snapshot(hls_dir, row)

    result = _hls.reverse(db, hls_dir, manifest)
    assert result["restored_videos"] == 1 and result["incomplete_videos"] == 0
    assert result["masters_restored"] == 1 and result["links_created"] == len(RESOLUTIONS) + 1
    assert result["db_rows_restored"] == 1 and result["changed"] is True
    after = snapshot(hls_dir, row)
    # every old name with its old content, every new name with its 4.0 content
    for name, content in before.items():
        assert after[name] == content
    for name, content in renamed.items():
        assert after[name] == content
    directory = os.path.join(hls_dir, row.uuid)
    assert os.path.samefile(
        os.path.join(directory, "720.m3u8"), os.path.join(directory, row.uuid + "-720.m3u8")
    )
    assert os.path.samefile(os.path.join(directory, "segments-sha256.json"), os.path.join(directory, new_sha))
    assert new_master in after
    # the 4.0 master still points only at existing files (remote instances hold its URL)
    for uri in _hls.playlist_uris(after[new_master].decode()):
        assert uri in after
    assert (row.playlist_filename, row.sha_filename) == ("master.m3u8", "segments-sha256.json")
    assert (modern.playlist_filename, snapshot(hls_dir, modern)) == modern_before
    assert _hls.verify(db, hls_dir, manifest, expect_renamed=False)["problems"] == 0

    again = _hls.reverse(db, hls_dir, manifest)
    assert again["changed"] is False and again["restored_videos"] == 1


def test_reverse_leaves_db_restored_from_dump_alone(tree):
    hls_dir, manifest = tree
    db = FakeDb()
    row = seed(db, hls_dir, 1)
    forward(db, hls_dir, manifest)
    row.playlist_filename, row.sha_filename = "master.m3u8", "segments-sha256.json"  # pg_restore
    result = _hls.reverse(db, hls_dir, manifest)
    assert result["db_rows_restored"] == 0 and result["restored_videos"] == 1
    assert db.updates == 0


def test_reverse_check_mode_changes_nothing(tree):
    hls_dir, manifest = tree
    db = FakeDb()
    row = seed(db, hls_dir, 1)
    forward(db, hls_dir, manifest)
    renamed = snapshot(hls_dir, row)
    result = _hls.reverse(db, hls_dir, manifest, check_mode=True)
    assert result["links_created"] == len(RESOLUTIONS) + 1 and result["masters_restored"] == 1
    assert snapshot(hls_dir, row) == renamed
    assert row.playlist_filename != "master.m3u8"


def test_reverse_without_db_and_resumes_after_interruption(tree):
    hls_dir, manifest = tree
    db = FakeDb()
    row = seed(db, hls_dir, 1)
    forward(db, hls_dir, manifest)
    directory = os.path.join(hls_dir, row.uuid)
    # interrupted reversal: one link made, nothing else
    os.link(os.path.join(directory, row.uuid + "-720.m3u8"), os.path.join(directory, "720.m3u8"))
    result = _hls.reverse(None, hls_dir, manifest, restore_db=False)
    assert result["links_created"] == len(RESOLUTIONS) and result["restored_videos"] == 1
    assert result["db_rows_restored"] == 0


def test_reverse_reports_lost_files(tree):
    hls_dir, manifest = tree
    db = FakeDb()
    row = seed(db, hls_dir, 1)
    forward(db, hls_dir, manifest)
    os.unlink(os.path.join(hls_dir, row.uuid, row.uuid + "-480.m3u8"))
    result = _hls.reverse(db, hls_dir, manifest)
    assert result["incomplete_videos"] == 1 and result["incomplete_sample"] == [row.uuid]
    # the DB row is not pointed at a playlist whose variants are gone
    assert result["db_rows_restored"] == 0


def test_plan_resumes_interrupted_script_with_original_master(tree):
    hls_dir, manifest = tree
    db = FakeDb()
    first = seed(db, hls_dir, 1)
    second = seed(db, hls_dir, 2)
    original = snapshot(hls_dir, second)["master.m3u8"]
    _hls.plan(db, hls_dir, manifest)
    run_script(db, hls_dir, only={1})
    # the script died on video 2 after rewriting master.m3u8 in place
    with open(os.path.join(hls_dir, second.uuid, "master.m3u8"), "w") as handle:
        handle.write("rewritten\n")
    result = _hls.plan(db, hls_dir, manifest)
    assert result["pending_videos"] == 1
    _header, items = records(manifest)
    assert [r["video_id"] for r in items] == [1, 2]
    assert items[0]["uuid"] == first.uuid and items[0]["master_content"] is not None
    assert items[1]["master_content"] == original.decode()


def test_forward_again_after_reverse(tree):
    hls_dir, manifest = tree
    db = FakeDb()
    row = seed(db, hls_dir, 1)
    forward(db, hls_dir, manifest)
    _hls.reverse(db, hls_dir, manifest)
    result = _hls.plan(db, hls_dir, manifest)
    assert result["stale_links_removed"] == len(RESOLUTIONS)
    run_script(db, hls_dir)
    assert _hls.complete(db, hls_dir, manifest)["renamed"] == 1
    assert _hls.verify(db, hls_dir, manifest)["problems"] == 0
    assert row.playlist_filename != "master.m3u8"


def test_complete_marks_skipped_and_deleted(tree):
    hls_dir, manifest = tree
    db = FakeDb()
    seed(db, hls_dir, 1)
    gone = seed(db, hls_dir, 2)
    _hls.plan(db, hls_dir, manifest)
    db.rows.remove(gone)
    result = _hls.complete(db, hls_dir, manifest)
    assert result["still_pending"] == 1 and result["gone"] == 1


def test_manifest_is_streamed_not_loaded(tree):
    hls_dir, manifest = tree
    db = FakeDb()
    for i in range(1, 4):
        seed(db, hls_dir, i)
    _hls.plan(db, hls_dir, manifest)
    _header, items = _hls.read_manifest(manifest)
    assert not isinstance(items, (list, tuple))
    assert next(items)["video_id"] == 1


def test_bad_manifest_refused(tree):
    _hls_dir, manifest = tree
    with open(manifest, "w") as handle:
        handle.write('{"something": "else"}\n')
    with pytest.raises(_hls.HlsError):
        _hls.read_manifest(manifest)


def test_restore_sql_quotes_only_safe_names():
    sql = _hls.restore_sql([(5, "abc-master.m3u8"), (6, None)])
    assert "(5, 'abc-master.m3u8'::varchar)" in sql and "(6, NULL::varchar)" in sql
    with pytest.raises(_hls.HlsError):
        _hls.restore_sql([(5, "x'; DROP TABLE video; --")])


def test_reverse_before_complete_uses_planned_names(tree):
    # the play died between the script and `complete`: the record has no new names yet
    hls_dir, manifest = tree
    db = FakeDb()
    row = seed(db, hls_dir, 1)
    untouched = seed(db, hls_dir, 2)
    _hls.plan(db, hls_dir, manifest)
    run_script(db, hls_dir, only={1})
    before_untouched = snapshot(hls_dir, untouched)
    result = _hls.reverse(db, hls_dir, manifest)
    assert result["restored_videos"] == 2 and result["incomplete_videos"] == 0
    directory = os.path.join(hls_dir, row.uuid)
    assert os.path.samefile(
        os.path.join(directory, "segments-sha256.json"), os.path.join(directory, row.sha_filename)
    )
    assert row.playlist_filename == "master.m3u8" and result["db_rows_restored"] == 1
    # the video the script never reached keeps its files; only extra new-name links appear
    after_untouched = snapshot(hls_dir, untouched)
    assert {k: v for k, v in after_untouched.items() if k in before_untouched} == before_untouched


def test_object_storage_videos_counted_apart_by_verify(tree):
    hls_dir, manifest = tree
    db = FakeDb()
    seed(db, hls_dir, 1, legacy=False)
    remote_files = seed(db, hls_dir, 2, storage=1)
    for name in os.listdir(os.path.join(hls_dir, remote_files.uuid)):
        os.unlink(os.path.join(hls_dir, remote_files.uuid, name))
    result = _hls.verify(db, hls_dir)
    assert result["object_storage_videos"] == 1 and result["videos"] == 1 and result["problems"] == 0


@pytest.mark.parametrize(
    "lower, higher",
    [
        ("4.0.0-rc.1", "4.0.0"),
        ("3.4.1", "4.0.0-rc.1"),
        ("4.0.0-rc.1", "4.0.0-rc.2"),
        ("4.0.0-rc.2", "4.0.0-rc.10"),
        ("4.0.0-1", "4.0.0-rc.1"),
        ("4.0.0", "4.0.1"),
        ("v4.9.9", "10.0.0"),
    ],
)
def test_semver_key_orders_pre_releases_first(lower, higher):
    assert _hls.semver_key(lower) < _hls.semver_key(higher)


def test_semver_key_refuses_garbage():
    with pytest.raises(_hls.HlsError):
        _hls.semver_key("4.0")


def test_release_version(tmp_path):
    (tmp_path / "package.json").write_text('{"name": "peertube", "version": "4.0.0-rc.1"}')
    assert _hls.release_version(str(tmp_path)) == "4.0.0-rc.1"
    with pytest.raises(_hls.HlsError):
        _hls.release_version(str(tmp_path / "missing"))


class CountingDb(FakeDb):
    def __init__(self):
        super().__init__()
        self.queries = 0

    def iter_playlists(self, pending_only):
        self.queries += 1
        return super().iter_playlists(pending_only)


def test_complete_verifies_in_the_same_pass(tree):
    hls_dir, manifest = tree
    db = CountingDb()
    legacy = [seed(db, hls_dir, i) for i in (1, 2, 3)]
    seed(db, hls_dir, 4, legacy=False)  # not in the manifest, verified all the same
    _hls.plan(db, hls_dir, manifest)
    run_script(db, hls_dir)
    # a dangling master of a video outside the manifest still counts
    db.rows[-1].playlist_filename = "%s-master.m3u8" % uuidlib.uuid4()
    db.queries = 0
    result = _hls.complete(db, hls_dir, manifest, verify_options={"expect_renamed": True})
    assert db.queries == 1
    assert result["renamed"] == 3 and result["records"] == 3
    assert result["verification"]["videos"] == 4
    assert result["verification"]["problems"] == 1
    # same figures as the separate verification
    alone = _hls.verify(db, hls_dir, manifest_path=manifest)
    assert alone == result["verification"]
    _header, items = records(manifest)
    assert [r["status"] for r in items] == ["renamed"] * 3
    assert all(r["new"]["master"] == row.playlist_filename for r, row in zip(items, legacy))


def test_complete_unchanged_rewrites_nothing(tree):
    hls_dir, manifest = tree
    db = FakeDb()
    seed(db, hls_dir, 1)
    _hls.plan(db, hls_dir, manifest)
    run_script(db, hls_dir)
    assert _hls.complete(db, hls_dir, manifest)["changed"] is True
    mtime = os.stat(manifest).st_mtime_ns
    again = _hls.complete(db, hls_dir, manifest, verify_options={})
    assert again["changed"] is False and again["verification"]["problems"] == 0
    assert os.stat(manifest).st_mtime_ns == mtime


@pytest.mark.parametrize("cold_read_seconds", [0.0, 3600.0], ids=["cold-read-ahead", "warm-in-thread"])
def test_video_dirs_keep_row_order_and_skip_object_storage(tree, monkeypatch, cold_read_seconds):
    hls_dir, _manifest = tree
    monkeypatch.setattr(_hls, "PREFETCH_BATCH", 3)
    # 0: the first batch counts as a cold read, the rest is read ahead in threads.
    monkeypatch.setattr(_hls, "COLD_READ_SECONDS", cold_read_seconds)
    db = FakeDb()
    rows = [seed(db, hls_dir, i, storage=1 if i % 5 == 0 else 0) for i in range(1, 21)]
    rows.append(_hls.PlaylistRow(21, str(uuidlib.uuid4()), 1021, "master.m3u8", None, 0, []))
    pairs = list(_hls.with_video_dirs(iter(rows), hls_dir))
    assert [row.video_id for row, _dir in pairs] == list(range(1, 22))
    for row, (names, master) in pairs[:20]:
        if row.storage:
            assert names is None and master is None
        else:
            assert "master.m3u8" in names and master.startswith("#EXTM3U")
    # A directory that does not exist reads as empty, with no master.
    assert pairs[20][1] == (set(), None)


def test_video_dir_read_errors_reach_the_caller(tree):
    hls_dir, _manifest = tree
    db = FakeDb()
    row = seed(db, hls_dir, 1)
    with open(os.path.join(hls_dir, row.uuid, "master.m3u8"), "wb") as handle:
        handle.write(b"#" * (_hls.MAX_PLAYLIST_BYTES + 1))
    with pytest.raises(_hls.HlsError, match="not a playlist"):
        list(_hls.with_video_dirs(iter(db.rows), hls_dir))


def test_script_status_reads_the_log_and_the_exit_code(tmp_path):
    log = tmp_path / "peertube-4.0.log"
    assert _hls.script_status(str(log)) == {"status": "running", "rc": None, "moved": 0, "last": ""}
    log.write_text(
        "Successfully moved HLS files of a.\nCannot rename b master.m3u8 file to a new name\n"
        "Successfully moved HLS files of c.\n" + "x" * 400 + "\n\n"
    )
    status = _hls.script_status(str(log), deadline=1)  # long past, no exit code
    assert status["status"] == "stalled" and status["moved"] == 2
    assert len(status["last"]) == _hls.MAX_REPORTED_LINE and status["last"].endswith("...")
    (tmp_path / "peertube-4.0.log.rc").write_text("124\n")
    assert _hls.script_status(str(log), deadline=1)["status"] == "done"
    assert _hls.script_status(str(log))["rc"] == "124"
