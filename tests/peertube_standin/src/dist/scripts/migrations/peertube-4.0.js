'use strict'
// Manual migration of PeerTube 4.0 (stand-in): gives the HLS files of videos made before 3.4
// the random names 3.4+ uses, and records them in videoStreamingPlaylist. Safe to re-run:
// only playlists still named master.m3u8 are processed; lives are skipped.
const crypto = require('crypto')
const fs = require('fs/promises')
const path = require('path')
const { initScript } = require('../../server/lib/script-env')

const CONCURRENCY = 5

async function mapLimit (items, limit, fn) {
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]
      await fn(item)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
}

function escapeRegExp (s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

async function processVideo (env, videoId) {
  const { pool, cfg, storagePath } = env
  const v = await pool.query('SELECT id, uuid, name, "isLive" FROM video WHERE id = $1', [videoId])
  if (!v.rowCount) return
  const video = v.rows[0]
  const pl = await pool.query('SELECT * FROM "videoStreamingPlaylist" WHERE "videoId" = $1 AND type = 1', [video.id])
  if (video.isLive || !pl.rowCount || pl.rows[0].playlistFilename !== 'master.m3u8') return
  const playlist = pl.rows[0]
  const files = await pool.query('SELECT resolution, filename FROM "videoFile" WHERE "videoStreamingPlaylistId" = $1', [playlist.id])
  if (files.rowCount === 0) return

  console.log(`Renaming HLS playlist files of video ${video.name}.`)
  const dir = path.join(storagePath(cfg.storage.streaming_playlists), 'hls', video.uuid)
  const masterPath = path.join(dir, playlist.playlistFilename)
  let master = await fs.readFile(masterPath, 'utf8')

  for (const file of files.rows) {
    const srcName = `${file.resolution}.m3u8`
    // The fragmented mp4 already has its final name: <uuid>-<res>-fragmented.mp4.
    const dstName = file.filename.replace(/-fragmented\.mp4$/, '') + '.m3u8'
    try {
      await fs.rename(path.join(dir, srcName), path.join(dir, dstName))
      master = master.replace(new RegExp('^' + escapeRegExp(srcName) + '$', 'm'), dstName)
    } catch (err) {
      console.error(`Cannot move video file ${path.join(dir, srcName)} to ${path.join(dir, dstName)}.`, err.message)
    }
  }
  await fs.writeFile(masterPath, master)

  let shaName = playlist.segmentsSha256Filename
  if (shaName === 'segments-sha256.json') {
    const newName = `${crypto.randomUUID()}-segments-sha256.json`
    try {
      await fs.rename(path.join(dir, shaName), path.join(dir, newName))
      shaName = newName
    } catch (err) {
      console.error(`Cannot rename ${video.name} segments-sha256.json file to a new name`, err.message)
    }
  }
  let masterName = playlist.playlistFilename
  const newMaster = `${crypto.randomUUID()}-master.m3u8`
  try {
    await fs.rename(masterPath, path.join(dir, newMaster))
    masterName = newMaster
  } catch (err) {
    console.error(`Cannot rename ${video.name} master.m3u8 file to a new name`, err.message)
  }

  // Saved even when a file above could not be moved, as upstream does.
  await pool.query('UPDATE "videoStreamingPlaylist" SET "playlistFilename" = $1, "segmentsSha256Filename" = $2, "updatedAt" = now() WHERE id = $3',
    [masterName, shaName, playlist.id])
  // Upstream federates the updated video through its Redis job queue.
  if (env.redis) await env.redis.command('RPUSH', 'peertube-standin:federate-video', video.uuid)
  console.log(`Successfully moved HLS files of ${video.name}.`)
}

async function run () {
  console.log('Migrate old HLS paths to new format.')
  const env = await initScript({ redis: true })
  const ids = (await env.pool.query('SELECT id FROM video WHERE remote = false ORDER BY id')).rows.map(r => r.id)
  await mapLimit(ids, CONCURRENCY, async id => {
    try {
      await processVideo(env, id)
    } catch (err) {
      console.error(`Cannot process video ${id}.`, err.message)
    }
  })
  console.log('Migration finished!')
}

run()
  .then(() => process.exit(0))
  .catch(err => {
    console.error(err)
    process.exit(255)
  })
