#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fedops.peertube contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: hls_rename
short_description: Plan, complete, verify and reverse PeerTube 4.0's HLS rename
version_added: 0.1.0
description:
  - PeerTube 4.0 ships C(dist/scripts/migrations/peertube-4.0.js), which renames the HLS files of
    local videos made before 3.4 (C(master.m3u8), C(<res>.m3u8), C(segments-sha256.json)) to
    random names and updates C(videoStreamingPlaylist). Nothing upstream can undo it.
  - This module does the file and manifest work around that script. It never runs the script.
  - I(mode=plan) writes a manifest (JSON Lines, one record per video, sorted by video id) of the
    videos the script will change, from the database, with the original master playlist content,
    and reports files missing on disk. An earlier manifest at the same path is merged, so an
    interrupted run resumes and records of videos already renamed are kept.
  - I(mode=complete) adds the names the database holds after the script. With I(script_log) it
    first waits for the script run in the background to end, reporting its progress while it
    runs, so the play goes on as soon as the script ends.
  - I(mode=verify) checks every playlist, variant, fragmented MP4 and segments file the database
    references for local non-live videos on the filesystem, and that every master playlist only
    references existing files.
  - I(mode=reverse) brings back every old name as a hard link of the new one (both stay reachable,
    since the script federated the new names), writes the original master content under the old
    name, and sets the playlist columns back unless they already hold the legacy names (database
    restored from the pre-upgrade dump). Idempotent; an interrupted run resumes.
  - Results are counts plus the manifest path, never per-file lists. Database rows and manifest
    records are streamed, so memory does not grow with the number of videos.
  - Only the per-video directories named by the database or the manifest are touched; the
    storage tree is never walked.
author:
  - fedops.peertube contributors (@fedops)
options:
  mode:
    description: What to do.
    type: str
    required: true
    choices: [plan, complete, verify, reverse]
  manifest:
    description:
      - Path of the manifest. Required unless I(mode=verify), where it is optional and lets
        videos already broken before the run be counted apart.
      - I(mode=plan) creates its directory (mode 0750) when missing.
    type: path
  hls_dir:
    description:
      - Directory holding one sub-directory per video UUID (C(storage.streaming_playlists) + C(hls)).
      - For I(mode=reverse), defaults to the directory recorded in the manifest.
    type: path
  release_dir:
    description:
      - The active release (C(peertube-latest)); its C(package.json) gives RV(version) unless
        I(version) is set.
      - With I(mode=plan) and I(min_version), the plan first decides whether the rename applies
        (no separate task reads the release), and fails when I(script) is missing from it.
    type: path
  version:
    description: Version of the active release, instead of reading it from I(release_dir).
    type: str
    default: ""
  runtime:
    description:
      - How PeerTube runs. C(baremetal) reads the version from I(release_dir) and checks
        I(script) there. C(docker) takes the version from I(state_file) (the container's release
        is not on the host) and leaves the script to be checked in the container.
      - C(auto) reads C(runtime) from I(state_file), C(baremetal) when none is recorded.
    type: str
    choices: [auto, baremetal, docker]
    default: baremetal
  state_file:
    description:
      - The host state (JSON). With I(mode=plan), read for I(runtime=auto), the version in docker
        mode and RV(recorded_manifests), so the play needs no separate read of it.
      - With I(mode=complete) and I(record), where the run is recorded.
    type: path
  record:
    description:
      - With I(mode=complete) and I(verify), judge the forward run (RV(failures)) and record it in
        I(state_file), so the play needs no separate module run for it. The manifest is always
        added to C(hls_manifests), since it reverses even a failed run; C(migrations_done) gets
        these keys plus C(time), C(manifest) and the counts under C(result) only when
        RV(failures) is empty. C(id) defaults to C(hls-rename-4.0).
    type: dict
  script_log:
    description:
      - With I(mode=complete), the output of the rename script started in the background. The
        job running it writes its exit code to C(<script_log>.rc) when it ends (renamed into
        place). The module waits up to I(wait_seconds) for that file; while the script runs it
        returns RV(script) with C(status=running) and changes nothing; once it has ended (or
        stalled) it completes.
      - Required by I(record), which judges the run by that exit code (anything but C(0), or
        none, is a failure).
    type: path
  wait_seconds:
    description: With I(script_log), how long to wait for the script's end before reporting it still runs.
    type: int
    default: 0
  script_deadline:
    description:
      - With I(script_log), a time (seconds since the epoch) after which a script that left no
        exit code is reported C(stalled) and the run completed as it stands. C(0) never.
    type: int
    default: 0
  allowed_pending:
    description:
      - With I(record), how many videos may still be named C(master.m3u8) after the run (those
        whose files were missing before it, when the caller accepts them).
    type: int
    default: 0
  min_version:
    description:
      - With I(mode=plan), first release the rename applies to (semantic versions). Below it the
        plan returns RV(applies=false) and touches neither the database nor the disk.
      - Empty applies to any version.
    type: str
    default: ""
  script:
    description:
      - With I(mode=plan), the release's script relative to I(release_dir); the plan fails when
        the rename applies and the script is missing.
    type: str
    default: ""
  restore_db:
    description: With I(mode=reverse), set the playlist columns back to the legacy names.
    type: bool
    default: true
  verify:
    description:
      - With I(mode=complete), verify in the same pass over the database and the manifest, as
        I(mode=verify) would (same options), and return the result as RV(verification).
      - With I(mode=reverse), verify right after reversing (not in check mode); set
        I(expect_renamed=false) to verify the 3.4 layout.
    type: bool
    default: false
  expect_renamed:
    description:
      - With I(mode=verify) (or I(verify)), count a local filesystem
        playlist still named C(master.m3u8) as a problem.
      - Set to C(false) to verify a 3.4 instance (after a reversal).
    type: bool
    default: true
  fail_on_problems:
    description: With I(mode=verify) (or I(verify)), fail when a problem is found.
    type: bool
    default: true
  sample_size:
    description: How many example problems (or UUIDs) to return at most.
    type: int
    default: 5
  db_backend:
    description:
      - C(psycopg2) connects with I(login_host)/I(login_user)/I(login_password).
      - C(psql) runs C(psql); with I(login_password) it connects like psycopg2 (the password
        passed through the environment), without it runs as I(login_unix_user) for peer
        authentication over the local socket.
      - C(auto) uses psycopg2 when it is importable and I(login_password) is set, else psql.
    type: str
    default: auto
    choices: [auto, psycopg2, psql]
  login_host:
    description:
      - Database host for password authentication, or a socket directory (starting with C(/)).
      - Empty for the default socket.
    type: str
    default: ""
  login_port:
    description: Database port.
    type: int
    default: 5432
  login_db:
    description: Database name.
    type: str
    default: peertube_prod
  login_user:
    description: Database role (password authentication).
    type: str
    default: peertube
  login_password:
    description: Password of I(login_user).
    type: str
    default: ""
  login_unix_user:
    description: OS user psql runs as for peer authentication (when run as root without a password).
    type: str
    default: postgres
requirements:
  - PostgreSQL access through C(psycopg2) or the C(psql) client.
attributes:
  check_mode:
    support: full
    description: Counts what would be written, linked or updated; writes nothing.
  diff_mode:
    support: none
    description: A diff would be a per-file list; the counts are the report.
  platform:
    support: full
    platforms: posix
    description: Runs on the PeerTube host.
seealso:
  - name: PeerTube 4.0 upgrade notes
    description: The manual HLS migration script this module surrounds.
    link: https://github.com/Chocobozzz/PeerTube/blob/develop/CHANGELOG.md#v400
notes:
  - Records of videos on object storage (C(storage) column not 0) are listed apart in
    C(<manifest>.object-storage.txt), since the upstream script only handles the filesystem.
"""

EXAMPLES = r"""
- name: Plan the rename
  fedops.peertube.hls_rename:
    mode: plan
    manifest: /var/www/peertube/backup/hls-migration/hls-rename-4.0.jsonl
    hls_dir: /var/www/peertube/storage/streaming-playlists/hls
    login_host: 127.0.0.1
    login_password: "{{ peertube_db_password }}"
  no_log: false
  register: hls_plan

- name: After the script, read back the new names
  fedops.peertube.hls_rename:
    mode: complete
    manifest: /var/www/peertube/backup/hls-migration/hls-rename-4.0.jsonl
    hls_dir: /var/www/peertube/storage/streaming-playlists/hls
    login_host: 127.0.0.1
    login_password: "{{ peertube_db_password }}"

- name: Wait for the script run in the background (15 s a round), then complete, verify and record
  fedops.peertube.hls_rename:
    mode: complete
    script_log: /var/www/peertube/backup/hls-migration/peertube-4.0-20261205T101549Z.log
    wait_seconds: 15
    verify: true
    fail_on_problems: false
    state_file: /etc/ansible/facts.d/peertube.fact
    record:
      version: 4.0.0
    manifest: /var/www/peertube/backup/hls-migration/hls-rename-4.0.jsonl
    hls_dir: /var/www/peertube/storage/streaming-playlists/hls
    login_host: 127.0.0.1
    login_password: "{{ peertube_db_password }}"
  register: hls_run
  until: hls_run.script.status != 'running'
  retries: 5760
  delay: 0

- name: Verify every referenced file
  fedops.peertube.hls_rename:
    mode: verify
    manifest: /var/www/peertube/backup/hls-migration/hls-rename-4.0.jsonl
    hls_dir: /var/www/peertube/storage/streaming-playlists/hls
    login_host: 127.0.0.1
    login_password: "{{ peertube_db_password }}"

- name: Undo it after rolling back to 3.4 (peer authentication as postgres)
  fedops.peertube.hls_rename:
    mode: reverse
    manifest: /var/www/peertube/backup/hls-migration/hls-rename-4.0.jsonl
    db_backend: psql
"""

RETURN = r"""
manifest:
  description: Path of the manifest.
  returned: always
  type: str
  sample: /var/www/peertube/backup/hls-migration/hls-rename-4.0.jsonl
check_mode:
  description:
    - Whether the module ran in check mode. Plays read it to skip what must not run after a
      dry plan, since C(ansible_check_mode) only reflects C(--check).
  returned: always
  type: bool
  sample: false
runtime:
  description: How PeerTube runs (I(runtime), resolved from I(state_file) when C(auto)).
  returned: when mode is plan
  type: str
  sample: docker
recorded_manifests:
  description: The C(hls_manifests) the host state already records.
  returned: when mode is plan and state_file is set
  type: list
  elements: str
  sample: [/var/www/peertube/backup/hls-migration/hls-rename-4.0.jsonl]
version:
  description:
    - Version of the active release (I(version), read from I(release_dir), or in docker mode
      from I(state_file)).
  returned: when version or release_dir is set
  type: str
  sample: 4.0.0
applies:
  description: Whether the rename applies to RV(version) (I(min_version) or later).
  returned: when mode is plan
  type: bool
  sample: true
pending_videos:
  description: Videos the script will rename (plan); videos still named C(master.m3u8) (verify).
  returned: when mode is plan or verify
  type: int
  sample: 312
files:
  description: Files the script will rename (master, segments file and one playlist per resolution).
  returned: when mode is plan
  type: int
  sample: 1560
missing_files:
  description: Files the database references for pending videos that are not on disk.
  returned: when mode is plan
  type: int
  sample: 0
videos_with_missing_files:
  description: Pending videos with at least one missing file.
  returned: when mode is plan
  type: int
  sample: 0
missing_sample:
  description: A few missing files as C(<uuid>/<name>), at most I(sample_size).
  returned: when mode is plan
  type: list
  elements: str
  sample: []
object_storage_videos:
  description: Pending (plan) or checked (verify) videos on object storage, left out.
  returned: when mode is plan or verify
  type: int
  sample: 0
object_storage_list:
  description: File listing the object storage videos (id and uuid per line), when there are any.
  returned: when mode is plan
  type: str
  sample: null
object_storage_sample:
  description: A few UUIDs of videos on object storage.
  returned: when mode is plan
  type: list
  elements: str
  sample: []
stale_links_removed:
  description: New-name hard links left by an earlier reversal, removed so the script can rename again.
  returned: when mode is plan
  type: int
  sample: 0
records:
  description: Records in the manifest after the run.
  returned: when mode is plan or complete
  type: int
  sample: 312
renamed:
  description: Manifest videos the database now holds under new names.
  returned: when mode is complete
  type: int
  sample: 312
still_pending:
  description: Manifest videos the database still names C(master.m3u8) (the script skipped them).
  returned: when mode is complete
  type: int
  sample: 0
gone:
  description: Manifest videos deleted or re-transcoded since the plan.
  returned: when mode is complete
  type: int
  sample: 0
verification:
  description: The result of I(mode=verify) (same keys), run with the completion or after the reversal.
  returned: when mode is complete or reverse (not in check mode) and verify is true
  type: dict
  sample: {"videos": 300, "files_checked": 3000, "problems": 0, "preexisting_broken": 0,
           "pending_videos": 0, "object_storage_videos": 0, "problem_sample": []}
videos:
  description: Videos checked (verify) or manifest records processed (reverse).
  returned: when mode is verify or reverse
  type: int
  sample: 400
files_checked:
  description: Files whose existence was checked.
  returned: when mode is verify
  type: int
  sample: 4000
problems:
  description: Problems found (missing files, masters referencing missing variants, pending videos).
  returned: when mode is verify
  type: int
  sample: 0
preexisting_broken:
  description: Videos with problems whose manifest record already listed missing files before the run.
  returned: when mode is verify
  type: int
  sample: 0
problem_sample:
  description: A few problems, at most I(sample_size).
  returned: when mode is verify
  type: list
  elements: str
  sample: []
restored_videos:
  description: Videos whose old names and original master all exist after the reversal.
  returned: when mode is reverse
  type: int
  sample: 312
incomplete_videos:
  description: Videos that could not be fully restored (files gone, or master never read).
  returned: when mode is reverse
  type: int
  sample: 0
incomplete_sample:
  description: A few UUIDs of incompletely restored videos.
  returned: when mode is reverse
  type: list
  elements: str
  sample: []
links_created:
  description: Hard links created (old name from new, or new from old).
  returned: when mode is reverse
  type: int
  sample: 1248
masters_restored:
  description: Old master playlists written back with their original content.
  returned: when mode is reverse
  type: int
  sample: 312
hls_dir:
  description: The directory the reversal worked in (I(hls_dir), or the one the manifest records).
  returned: when mode is reverse
  type: str
  sample: /var/www/peertube/storage/streaming-playlists/hls
db_rows_restored:
  description: Playlist rows set back to the legacy names.
  returned: when mode is reverse
  type: int
  sample: 0
script:
  description:
    - With I(script_log), the state of the script's run. C(status) is C(running) (nothing else
      was done), C(done) or C(stalled); C(rc) its exit code once done; C(moved) the videos its
      log reports renamed; C(last) the log's last line.
  returned: mode=complete with script_log
  type: dict
  sample: {"status": "done", "rc": "0", "moved": 312, "last": "Migration finished!"}
failures:
  description: With I(record), why the forward run failed, one message each; empty when it succeeded.
  returned: mode=complete with record
  type: list
  elements: str
  sample: ["The HLS rename script exited with 1."]
recorded:
  description: With I(record), whether C(migrations_done) got the run (it succeeded, not check mode).
  returned: mode=complete with record
  type: bool
  sample: true
"""

import os

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.fedops.peertube.plugins.module_utils import _hls, _state

try:
    import psycopg2
except ImportError:
    psycopg2 = None

DEFAULT_HLS_DIR = "/var/www/peertube/storage/streaming-playlists/hls"


def open_db(module):
    """psycopg2 or psql; password authentication over TCP, else peer authentication locally."""
    p = module.params
    host = p["login_host"] or ""
    password = p["login_password"]
    backend = p["db_backend"]
    if backend == "auto":
        backend = "psycopg2" if (psycopg2 is not None and password) else "psql"
    if backend == "psycopg2":
        if psycopg2 is None:
            module.fail_json(msg=missing_required_lib("psycopg2"))
        params = {"dbname": p["login_db"], "port": p["login_port"], "user": p["login_user"]}
        if host:
            params["host"] = host
        if password:
            params["password"] = password
        return _hls.PsycopgDb(psycopg2, **params)
    psql = module.get_bin_path("psql", required=True)
    argv = [psql, "-p", str(p["login_port"]), "-d", p["login_db"]]
    env = dict(os.environ)
    if password:
        argv += ["-U", p["login_user"]]
        if host:
            argv += ["-h", host]
        # Never on the command line, where every local user could read it.
        env["PGPASSWORD"] = password
        return _hls.PsqlDb(argv, env=env)
    if host.startswith("/"):
        argv += ["-h", host]
    if os.geteuid() == 0 and p["login_unix_user"] and p["login_unix_user"] != "root":
        runuser = module.get_bin_path("runuser", required=True)
        argv = [runuser, "-u", p["login_unix_user"], "--"] + argv
    return _hls.PsqlDb(argv, env=env)


def release_info(p, mode):
    """Version of the active release and, for a plan, the runtime and whether the rename applies."""
    info = {}
    runtime = p["runtime"]
    state = {}
    if mode == "plan" and p["state_file"]:
        state = _state.read_state(p["state_file"])
        info["recorded_manifests"] = list(state.get("hls_manifests") or [])
    if runtime == "auto":
        runtime = state.get("runtime") or "baremetal"
    version = p["version"]
    if not version and runtime == "docker":
        # The container's release is not on the host: the state records what it runs.
        version = state.get("version") or ""
    elif not version and p["release_dir"]:
        version = _hls.release_version(p["release_dir"])
    if version:
        info["version"] = version
    if mode != "plan":
        return info
    info["runtime"] = runtime
    info["applies"] = True
    if p["min_version"]:
        if not version and runtime == "docker":
            raise _hls.HlsError(
                "docker mode: %s records no version; set the version the container runs"
                " (peertube_hls_migration_running_version)" % (p["state_file"] or "no state file")
            )
        if not version:
            raise _hls.HlsError("min_version needs version or release_dir")
        info["applies"] = _hls.semver_key(version) >= _hls.semver_key(p["min_version"])
    if not info["applies"]:
        info.update(
            pending_videos=0,
            files=0,
            missing_files=0,
            videos_with_missing_files=0,
            missing_sample=[],
            object_storage_videos=0,
            object_storage_list=None,
            object_storage_sample=[],
            stale_links_removed=0,
            records=0,
        )
    elif p["script"] and runtime == "baremetal":
        if not p["release_dir"]:
            raise _hls.HlsError("script needs release_dir")
        if not os.path.isfile(os.path.join(p["release_dir"], p["script"])):
            raise _hls.HlsError("PeerTube %s has no %s." % (version or "(unknown)", p["script"]))
    return info


def record_run(module, result):
    """Judge the forward run, then add its manifest (always) and its entry (on success) to the state."""
    p = module.params
    result["failures"] = _hls.run_failures(result["script"]["rc"], result, p["allowed_pending"])
    state = _state.read_state(p["state_file"])
    manifests = list(state.get("hls_manifests") or [])
    updates = {}
    if p["manifest"] not in manifests:
        updates["hls_manifests"] = manifests + [p["manifest"]]
    append = {}
    if not result["failures"]:
        append["migrations_done"] = [_hls.run_record(p["record"], p["manifest"], result)]
    result["recorded"] = bool(append) and not module.check_mode
    if updates or append:
        result["changed"] = True
        if not module.check_mode:
            _state.write_state(p["state_file"], _state.merge_state(state, updates, append))


def main():
    module = AnsibleModule(
        argument_spec=dict(
            mode=dict(type="str", required=True, choices=["plan", "complete", "verify", "reverse"]),
            manifest=dict(type="path"),
            hls_dir=dict(type="path"),
            restore_db=dict(type="bool", default=True),
            expect_renamed=dict(type="bool", default=True),
            verify=dict(type="bool", default=False),
            fail_on_problems=dict(type="bool", default=True),
            sample_size=dict(type="int", default=5),
            db_backend=dict(type="str", default="auto", choices=["auto", "psycopg2", "psql"]),
            login_host=dict(type="str", default=""),
            login_port=dict(type="int", default=5432),
            login_db=dict(type="str", default="peertube_prod"),
            login_user=dict(type="str", default="peertube"),
            login_password=dict(type="str", default="", no_log=True),
            login_unix_user=dict(type="str", default="postgres"),
            release_dir=dict(type="path"),
            version=dict(type="str", default=""),
            min_version=dict(type="str", default=""),
            script=dict(type="str", default=""),
            runtime=dict(type="str", default="baremetal", choices=["auto", "baremetal", "docker"]),
            state_file=dict(type="path"),
            record=dict(type="dict"),
            script_log=dict(type="path"),
            wait_seconds=dict(type="int", default=0),
            script_deadline=dict(type="int", default=0),
            allowed_pending=dict(type="int", default=0),
        ),
        required_if=[
            ("mode", "plan", ["manifest"]),
            ("mode", "complete", ["manifest"]),
            ("mode", "reverse", ["manifest"]),
        ],
        required_by={"record": "script_log"},
        supports_check_mode=True,
    )
    p = module.params
    mode = p["mode"]
    manifest = p["manifest"]
    hls_dir = p["hls_dir"]
    if mode != "reverse" and not hls_dir:
        hls_dir = DEFAULT_HLS_DIR
    release = {}
    try:
        release = release_info(p, mode)
    except (_hls.HlsError, _state.StateError) as exc:
        module.fail_json(msg=str(exc), manifest=manifest)
    if mode == "plan" and not release.get("applies", True):
        # Older release: its database may predate the playlist columns; touch nothing.
        module.exit_json(changed=False, manifest=manifest, check_mode=module.check_mode, **release)
    if p["record"] is not None and (mode != "complete" or not p["verify"] or not p["state_file"]):
        module.fail_json(msg="record needs mode=complete, verify=true and state_file", manifest=manifest)
    script = None
    if p["script_log"]:
        if mode != "complete":
            module.fail_json(msg="script_log needs mode=complete", manifest=manifest)
        script = _hls.script_status(p["script_log"], p["wait_seconds"], p["script_deadline"])
        if script["status"] == "running":
            module.exit_json(changed=False, manifest=manifest, script=script, check_mode=module.check_mode)
    manifest_dir = os.path.dirname(manifest or "") or "."
    if mode == "plan" and not module.check_mode and not os.path.isdir(manifest_dir):
        # Manifests and logs sit with the database dumps; root-only, they hold storage paths.
        os.makedirs(manifest_dir, mode=0o750)

    verify_options = None
    if p["verify"]:
        verify_options = {"expect_renamed": p["expect_renamed"], "sample_size": p["sample_size"]}
    db = None
    try:
        if mode != "reverse" or p["restore_db"] or (p["verify"] and not module.check_mode):
            db = open_db(module)
        if mode == "plan":
            result = _hls.plan(
                db, hls_dir, manifest, check_mode=module.check_mode, sample_size=p["sample_size"]
            )
        elif mode == "complete":
            # verify=true: the same pass over the database and the manifest verifies too.
            result = _hls.complete(
                db, hls_dir, manifest, check_mode=module.check_mode, verify_options=verify_options
            )
        elif mode == "verify":
            result = _hls.verify(
                db,
                hls_dir,
                manifest_path=manifest,
                expect_renamed=p["expect_renamed"],
                sample_size=p["sample_size"],
            )
            result["changed"] = False
        else:
            result = _hls.reverse(
                db,
                hls_dir,
                manifest,
                restore_db=p["restore_db"],
                check_mode=module.check_mode,
                sample_size=p["sample_size"],
            )
            if verify_options is not None and not module.check_mode:
                # Same process: one module start-up less for the rollback.
                result["verification"] = _hls.verify(
                    db, result["hls_dir"], manifest_path=manifest, **verify_options
                )
    except (_hls.HlsError, OSError) as exc:
        module.fail_json(msg="%s failed: %s" % (mode, exc), manifest=manifest)
    except Exception as exc:  # psycopg2 errors have no common base without importing it
        if psycopg2 is not None and isinstance(exc, psycopg2.Error):
            module.fail_json(msg="%s failed on the database: %s" % (mode, exc), manifest=manifest)
        raise
    finally:
        if db is not None:
            db.close()

    result.update(release)
    result["manifest"] = manifest
    if script is not None:
        result["script"] = script
    if p["record"] is not None:
        try:
            record_run(module, result)
        except (_state.StateError, OSError) as exc:
            module.fail_json(msg="recording the run in %s failed: %s" % (p["state_file"], exc), **result)
    # The play's ansible_check_mode only reflects --check, not a play or task check_mode.
    result["check_mode"] = module.check_mode
    if mode == "verify" and p["fail_on_problems"] and result["problems"]:
        module.fail_json(msg="HLS verification found %d problem(s)" % result["problems"], **result)
    if result.get("verification") and p["fail_on_problems"] and result["verification"]["problems"]:
        module.fail_json(
            msg="HLS verification found %d problem(s)" % result["verification"]["problems"], **result
        )
    if mode == "reverse" and result["incomplete_videos"]:
        module.fail_json(
            msg="%d video(s) could not be fully restored; see incomplete_sample"
            % result["incomplete_videos"],
            **result,
        )
    module.exit_json(**result)


if __name__ == "__main__":
    main()
