'use strict'
// Live: RTMP is received by node-media-server sessions inside our own TCP server (as upstream
// 3.x-5.x did); each accepted publish spawns the system ffmpeg that reads the stream back from
// rtmp://127.0.0.1 and writes HLS into storage/streaming-playlists/hls/<uuid>/.
const fs = require('fs')
const net = require('net')
const path = require('path')
const { spawn, execFile } = require('child_process')
const logger = require('./logger')

const FAULT_FILE = '/etc/peertube-standin/fault-live-var-stream-map'
const LIVE_ERROR_FFMPEG = 4
const STATE = { PUBLISHED: 1, WAITING_FOR_LIVE: 4, LIVE_ENDED: 5 }
const STDERR_KEEP = 4096

let NodeRtmpSession, nmsContext
function loadNms () {
  NodeRtmpSession = require('node-media-server/src/node_rtmp_session')
  nmsContext = require('node-media-server/src/node_core_ctx')
  require('node-media-server/src/node_core_logger').setLogType(0)
}

function probe (url) {
  return new Promise(resolve => {
    execFile('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height,avg_frame_rate,r_frame_rate', '-of', 'json', url],
      { timeout: 15000 }, (err, stdout) => {
        if (err) return resolve(null)
        try {
          const s = JSON.parse(stdout).streams[0]
          const [n, d] = String(s.avg_frame_rate !== '0/0' ? s.avg_frame_rate : s.r_frame_rate).split('/').map(Number)
          resolve({ width: s.width, height: s.height, fps: d ? Math.round(n / d) : 30 })
        } catch (e) { resolve(null) }
      })
  })
}

// Last meaningful stderr lines: encoder statistics and progress lines hide the real error.
function errorTail (stderr) {
  const noise = [/^\s/, /^Press \[q\]/, /^\[(libx264|aac|h264|flv|rtmp|mpegts) @/, /^\[hls @ [^\]]*\] Opening/, /^(frame|size)=/, /Last message repeated/]
  const lines = stderr.replace(/\r/g, '\n').split('\n').filter(l => l.trim() && !noise.some(re => re.test(l)))
  return lines.slice(-6).join(' | ')
}

class LiveManager {
  constructor (ctx) {
    this.ctx = ctx
    this.cfg = ctx.cfg
    this.db = ctx.db
    this.sessions = new Map() // rtmp session id -> muxing session
  }

  start () {
    const live = this.cfg.live || {}
    if (!live.enabled) return Promise.resolve()
    if (this.ctx.build.features.rtmps && live.rtmp && live.rtmp.enabled === false) return Promise.resolve()
    if (this.ctx.build.features.rtmps && live.rtmps && live.rtmps.enabled) {
      logger.warn('RTMPS is not implemented by the stand-in; only RTMP is served.')
    }
    loadNms()
    const port = Number(live.rtmp.port)
    const nmsConfig = { rtmp: { port, chunk_size: 60000, gop_cache: true, ping: 60, ping_timeout: 30 } }
    this.server = net.createServer(socket => {
      const session = new NodeRtmpSession(nmsConfig, socket)
      session.inputOriginUrl = `rtmp://127.0.0.1:${port}`
      session.run()
    })
    nmsContext.nodeEvent.on('postPublish', (sessionId, streamPath) => {
      this.onPublish(sessionId, streamPath).catch(err => {
        logger.error('Cannot handle live publish.', { err: err.stack || err.message })
        this.abort(sessionId)
      })
    })
    nmsContext.nodeEvent.on('donePublish', sessionId => {
      logger.info('Live session ended.', { sessionId })
      const m = this.sessions.get(sessionId)
      // ffmpeg sees the unpublish and ends by itself; make sure it does.
      if (m && m.ffmpeg) setTimeout(() => { if (m.ffmpeg.exitCode === null) m.ffmpeg.kill('SIGINT') }, 10000).unref()
    })
    // Upstream listens on all interfaces (no hostname option before 4.x rtmp.hostname).
    const hostname = (live.rtmp && live.rtmp.hostname) || undefined
    return new Promise((resolve, reject) => {
      this.server.once('error', err => { logger.error('Cannot run RTMP server.', { err: err.message, port }); reject(err) })
      this.server.listen(port, hostname, () => { logger.info(`Running RTMP server on port ${port}`); resolve() })
    })
  }

  abort (sessionId) {
    const s = nmsContext && nmsContext.sessions.get(sessionId)
    if (s) {
      s.stop()
      nmsContext.sessions.delete(sessionId)
    }
  }

  async onPublish (sessionId, streamPath) {
    const parts = streamPath.split('/')
    if (parts.length !== 3 || parts[1] !== 'live') {
      logger.warn('Live path is incorrect.', { streamPath, sessionId })
      return this.abort(sessionId)
    }
    const streamKey = parts[2]
    const r = await this.db.query(
      `SELECT v.id, v.uuid, v.state, l."permanentLive", l."saveReplay" FROM "videoLive" l JOIN video v ON v.id = l."videoId"
       WHERE l."streamKey" = $1`, [streamKey])
    if (!r.rowCount) {
      logger.warn('Unknown live video with stream key.', { streamKey, sessionId })
      return this.abort(sessionId)
    }
    const video = r.rows[0]
    if (video.state !== STATE.WAITING_FOR_LIVE) {
      logger.warn('Video is not waiting for a live.', { videoUUID: video.uuid, state: video.state, sessionId })
      return this.abort(sessionId)
    }
    if ([...this.sessions.values()].some(m => m.videoId === video.id)) {
      logger.warn('Video already has a live session.', { videoUUID: video.uuid })
      return this.abort(sessionId)
    }
    const inputUrl = `rtmp://127.0.0.1:${this.cfg.live.rtmp.port}${streamPath}`
    const muxing = { sessionId, videoId: video.id, uuid: video.uuid, permanentLive: video.permanentLive, saveReplay: video.saveReplay, stderr: '', stopped: false }
    this.sessions.set(sessionId, muxing)
    logger.info(`Live video ${video.uuid} received a stream, starting muxing session.`, { sessionId })

    const outDir = path.join(this.ctx.storage.hls, video.uuid)
    fs.rmSync(outDir, { recursive: true, force: true })
    fs.mkdirSync(outDir, { recursive: true })
    await this.db.query(
      `INSERT INTO "videoStreamingPlaylist" ("type", "playlistFilename", "segmentsSha256Filename", "videoId", "storage")
       VALUES (1, 'master.m3u8', 'segments-sha256.json', $1, 0) ON CONFLICT ("videoId", "type") DO UPDATE SET "updatedAt" = now()`, [video.id])
    if (this.ctx.build.features.liveSessions) {
      const s = await this.db.query('INSERT INTO "videoLiveSession" ("startDate", "liveVideoId", "saveReplay") VALUES (now(), $1, $2) RETURNING id', [video.id, video.saveReplay])
      muxing.liveSessionId = s.rows[0].id
    }

    const transcoding = (this.cfg.live.transcoding || {}).enabled
    let args
    if (transcoding) {
      const info = (await probe(inputUrl)) || { height: 1080, fps: 30 }
      args = this.transcodingArgs(inputUrl, outDir, info)
    } else {
      args = this.muxingArgs(inputUrl, outDir)
    }
    if (muxing.stopped) return
    logger.info('Running live ffmpeg.', { command: 'ffmpeg ' + args.join(' ') })
    const ff = spawn('ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] })
    muxing.ffmpeg = ff
    ff.stderr.on('data', d => { muxing.stderr = (muxing.stderr + d.toString()).slice(-STDERR_KEEP) })
    ff.on('error', err => { muxing.stderr += `\n${err.message}` })
    this.watchMaster(muxing, path.join(outDir, 'master.m3u8'))
    ff.on('close', (code, signal) => {
      this.onFfmpegEnd(muxing, code, signal).catch(err => logger.error('Error after live ffmpeg end.', { err: err.stack || err.message }))
    })
  }

  hlsArgs (outDir) {
    return ['-f', 'hls', '-hls_time', '4', '-hls_list_size', '15', '-hls_flags', 'delete_segments+independent_segments',
      '-hls_segment_filename', path.join(outDir, '%v-%06d.ts'), '-master_pl_name', 'master.m3u8', path.join(outDir, '%v.m3u8')]
  }

  muxingArgs (inputUrl, outDir) {
    return ['-hide_banner', '-i', inputUrl, '-c:v', 'copy', '-c:a', 'copy', '-map', '0:a?', '-map', '0:v?', ...this.hlsArgs(outDir)]
  }

  transcodingArgs (inputUrl, outDir, info) {
    const t = this.cfg.live.transcoding
    const enabled = Object.entries(t.resolutions || {}).filter(([, on]) => on === true).map(([k]) => parseInt(k, 10))
    // Like upstream: never upscale; keep the input resolution when nothing else fits.
    let resolutions = enabled.filter(r => r <= info.height).sort((a, b) => a - b)
    if (resolutions.length === 0) resolutions = [info.height]
    const fps = Math.min(info.fps || 30, 30)
    const split = `[v:0]split=${resolutions.length}${resolutions.map(r => `[vtemp${r}]`).join('')}`
    const scales = resolutions.map(r => `[vtemp${r}]scale=w=-2:h=${r}[vout${r}]`)
    const args = ['-hide_banner', '-i', inputUrl, '-sc_threshold', '0', '-max_muxing_queue_size', '1024', '-threads', String(t.threads || 0),
      '-filter_complex', [split, ...scales].join(';')]
    const varStreamMap = []
    resolutions.forEach((r, i) => {
      args.push('-map', `[vout${r}]`, `-c:v:${i}`, 'libx264', `-r:v:${i}`, String(fps), `-g:v:${i}`, String(fps * 2),
        `-preset:v:${i}`, 'veryfast', `-tune:v:${i}`, 'zerolatency', `-b:v:${i}`, `${Math.round(r * 2.5)}k`,
        '-map', 'a:0', `-c:a:${i}`, 'aac', `-b:a:${i}`, '64k')
      varStreamMap.push(`v:${i},a:${i}`)
    })
    if (fs.existsSync(FAULT_FILE)) {
      // Test fault: the incident's ffmpeg rejected a -var_stream_map entry (PeerTube #4610).
      const n = resolutions.length
      varStreamMap.push(`v:${n},a:${n}`)
      logger.warn(`Fault switch ${FAULT_FILE} is armed: adding a broken -var_stream_map entry.`)
    }
    args.push('-var_stream_map', varStreamMap.join(' '), ...this.hlsArgs(outDir))
    return args
  }

  watchMaster (muxing, masterPath) {
    const timer = setInterval(async () => {
      if (muxing.stopped || muxing.published) return clearInterval(timer)
      if (!fs.existsSync(masterPath)) return
      clearInterval(timer)
      muxing.published = true
      await this.db.query('UPDATE video SET state = $1, "updatedAt" = now() WHERE id = $2 AND state = $3', [STATE.PUBLISHED, muxing.videoId, STATE.WAITING_FOR_LIVE])
      logger.info(`Live video ${muxing.uuid} is published (master playlist created).`)
    }, 500)
    timer.unref()
  }

  async onFfmpegEnd (muxing, code, signal) {
    muxing.stopped = true
    this.sessions.delete(muxing.sessionId)
    const failed = code !== 0 && !muxing.killedByUs
    if (failed) {
      const tail = errorTail(muxing.stderr)
      logger.error(`Live transcoding error. ffmpeg exited with code ${code === null ? signal : code}: ${tail}`, { videoUUID: muxing.uuid })
    } else {
      logger.info(`Live ffmpeg of ${muxing.uuid} ended.`, { code, signal })
    }
    this.abort(muxing.sessionId)
    if (muxing.liveSessionId) {
      await this.db.query('UPDATE "videoLiveSession" SET "endDate" = now(), "error" = $1, "endingProcessed" = true, "updatedAt" = now() WHERE id = $2',
        [failed ? LIVE_ERROR_FFMPEG : null, muxing.liveSessionId])
    }
    const exists = await this.db.query('SELECT 1 FROM video WHERE id = $1', [muxing.videoId])
    if (!exists.rowCount) return
    const outDir = path.join(this.ctx.storage.hls, muxing.uuid)
    if (muxing.permanentLive) {
      // A permanent live waits for the next stream; upstream cleans its HLS files.
      await this.db.query('UPDATE video SET state = $1, "updatedAt" = now() WHERE id = $2', [STATE.WAITING_FOR_LIVE, muxing.videoId])
      await this.db.query('DELETE FROM "videoStreamingPlaylist" WHERE "videoId" = $1', [muxing.videoId])
      fs.rmSync(outDir, { recursive: true, force: true })
    } else {
      await this.db.query('UPDATE video SET state = $1, "updatedAt" = now() WHERE id = $2', [STATE.LIVE_ENDED, muxing.videoId])
      if (!muxing.saveReplay) {
        // Upstream's video-live-ending job removes the files 5 minutes later.
        setTimeout(() => fs.rmSync(outDir, { recursive: true, force: true }), 5 * 60 * 1000).unref()
      }
    }
    logger.info(`Live video ${muxing.uuid} ending processed.`, { state: muxing.permanentLive ? STATE.WAITING_FOR_LIVE : STATE.LIVE_ENDED })
  }

  async stopVideo (videoId) {
    for (const m of this.sessions.values()) {
      if (m.videoId !== videoId) continue
      m.killedByUs = true
      if (m.ffmpeg && m.ffmpeg.exitCode === null) m.ffmpeg.kill('SIGINT')
      this.abort(m.sessionId)
    }
  }
}

module.exports = { LiveManager, FAULT_FILE }
