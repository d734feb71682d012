'use strict'
// HTTP server: the REST endpoints our roles and checks call, static HLS from storage and the
// client build. Error bodies follow upstream's problem+json shape (type/status/detail/code/error).
const fs = require('fs')
const http = require('http')
const path = require('path')
const crypto = require('crypto')
const { parseBody, toBool } = require('./body')
const util = require('./util')
const logger = require('./logger')

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const ACCESS_TOKEN_LIFETIME = 3600 * 24
const REFRESH_TOKEN_LIFETIME = 3600 * 24 * 14
const ROLE_LABELS = { 0: 'Administrator', 1: 'Moderator', 2: 'User' }
const PRIVACY_LABELS = { 1: 'Public', 2: 'Unlisted', 3: 'Private', 4: 'Internal' }
const STATE_LABELS = {
  1: 'Published',
  2: 'To transcode',
  3: 'To import',
  4: 'Waiting for livestream',
  5: 'Livestream ended',
  6: 'To move to an object storage',
  7: 'Transcoding failed'
}
const MIME = {
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.ts': 'video/mp2t',
  '.mp4': 'video/mp4',
  '.json': 'application/json',
  '.js': 'application/javascript',
  '.css': 'text/css',
  '.html': 'text/html; charset=utf-8',
  '.torrent': 'application/x-bittorrent',
  '.png': 'image/png',
  '.svg': 'image/svg+xml'
}

class HttpError extends Error {
  constructor (status, message, code) {
    super(message)
    this.status = status
    this.code = code
  }
}

function sendJson (res, status, obj) {
  const body = JSON.stringify(obj)
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body) })
  res.end(body)
}

function sendProblem (res, status, message, code) {
  const title = http.STATUS_CODES[status] || 'Error'
  const doc = {
    type: code ? `https://docs.joinpeertube.org/api-rest-reference.html#section/Errors/${code}` : 'about:blank',
    title,
    status,
    detail: message,
    error: message
  }
  if (code) doc.code = code
  const body = JSON.stringify(doc)
  res.writeHead(status, { 'Content-Type': 'application/problem+json; charset=utf-8', 'Content-Length': Buffer.byteLength(body) })
  res.end(body)
}

function sendFile (res, file, method) {
  fs.stat(file, (err, st) => {
    if (err || !st.isFile()) return sendProblem(res, 404, 'File not found')
    res.writeHead(200, {
      'Content-Type': MIME[path.extname(file)] || 'application/octet-stream',
      'Content-Length': st.size,
      'Access-Control-Allow-Origin': '*'
    })
    if (method === 'HEAD') return res.end()
    fs.createReadStream(file).pipe(res)
  })
}

// Resolves a path below root, refusing traversal.
function safeJoin (root, rel) {
  const decoded = decodeURIComponent(rel)
  const full = path.resolve(root, '.' + path.sep + decoded)
  if (full !== root && !full.startsWith(root + path.sep)) return null
  return full
}

class Api {
  constructor (ctx) {
    this.ctx = ctx
    this.cfg = ctx.cfg
    this.db = ctx.db
    this.build = ctx.build
    this.url = util.webserverUrl(ctx.cfg)
  }

  listen () {
    const l = this.cfg.listen
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch(err => {
        if (err instanceof HttpError || err.status) return sendProblem(res, err.status, err.message, err.code)
        logger.error('Unhandled error in API.', { err: err.stack || err.message, url: req.url })
        sendProblem(res, 500, 'Internal server error')
      })
    })
    return new Promise((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(l.port, l.hostname, () => {
        logger.info(`HTTP server listening on ${l.hostname}:${l.port}`)
        logger.info(`Web server: ${this.url}`)
        resolve()
      })
    })
  }

  async handle (req, res) {
    const u = new URL(req.url, 'http://localhost')
    const p = u.pathname
    const m = req.method
    if (p.startsWith('/api/v1/')) return this.route(req, res, m, p.slice('/api/v1'.length), u)
    if (p.startsWith('/api/')) throw new HttpError(400, 'Bad Request')
    if (m !== 'GET' && m !== 'HEAD') throw new HttpError(404, 'Not found')
    if (p.startsWith('/static/streaming-playlists/hls/')) {
      const f = safeJoin(path.resolve(this.ctx.storage.hls), p.slice('/static/streaming-playlists/hls/'.length))
      return f ? sendFile(res, f, m) : sendProblem(res, 400, 'Bad path')
    }
    const webPrefix = this.build.features.webVideos ? '/static/web-videos/' : '/static/webseed/'
    if (p.startsWith(webPrefix)) {
      const f = safeJoin(path.resolve(this.ctx.storage.videos), p.slice(webPrefix.length))
      return f ? sendFile(res, f, m) : sendProblem(res, 400, 'Bad path')
    }
    const clientDist = path.join(this.ctx.root, 'client', 'dist')
    if (p.startsWith('/client/')) {
      const f = safeJoin(clientDist, p.slice('/client/'.length))
      return f ? sendFile(res, f, m) : sendProblem(res, 400, 'Bad path')
    }
    return sendFile(res, path.join(clientDist, 'index.html'), m)
  }

  async route (req, res, m, p, u) {
    let mt
    if (m === 'GET' && p === '/ping') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' })
      return res.end('pong')
    }
    if (m === 'GET' && p === '/config') return sendJson(res, 200, this.serverConfig())
    if (m === 'GET' && p === '/oauth-clients/local') return this.localClient(req, res)
    if (m === 'POST' && p === '/users/token') return this.token(req, res)
    if (m === 'POST' && p === '/users/revoke-token') return this.revoke(req, res)
    if (m === 'GET' && p === '/users/me') return this.me(req, res)
    if (m === 'GET' && p === '/users/me/videos') return this.myVideos(req, res, u)
    if (m === 'POST' && p === '/users') return this.createUser(req, res)
    if (m === 'POST' && p === '/videos/live') return this.createLive(req, res)
    if (this.build.features.liveSessions && m === 'GET' && (mt = /^\/videos\/live\/([^/]+)\/sessions$/.exec(p))) return this.liveSessions(req, res, mt[1])
    if (m === 'GET' && (mt = /^\/videos\/live\/([^/]+)$/.exec(p))) return this.getLive(req, res, mt[1])
    if (m === 'GET' && (mt = /^\/videos\/([^/]+)$/.exec(p))) return this.getVideo(req, res, mt[1])
    if (m === 'DELETE' && (mt = /^\/videos\/([^/]+)$/.exec(p))) return this.deleteVideo(req, res, mt[1])
    // Upstream ends its API router with a catch-all 400.
    throw new HttpError(400, 'Bad Request')
  }

  serverConfig () {
    const c = this.cfg
    const live = c.live || {}
    const resolutions = Object.entries((live.transcoding || {}).resolutions || {})
      .filter(([, on]) => on === true).map(([k]) => parseInt(k, 10)).filter(n => !isNaN(n))
    const out = {
      instance: { name: (c.instance || {}).name, shortDescription: (c.instance || {}).short_description },
      serverVersion: this.build.version,
      serverCommit: this.build.commit,
      signup: { allowed: !!(c.signup || {}).enabled },
      transcoding: { hls: { enabled: !!(((c.transcoding || {}).hls) || {}).enabled } },
      live: {
        enabled: !!live.enabled,
        allowReplay: !!live.allow_replay,
        maxDuration: live.max_duration,
        maxInstanceLives: live.max_instance_lives,
        maxUserLives: live.max_user_lives,
        transcoding: {
          enabled: !!(live.transcoding || {}).enabled,
          enabledResolutions: resolutions
        },
        rtmp: { port: Number((live.rtmp || {}).port) }
      },
      user: { videoQuota: (c.user || {}).video_quota, videoQuotaDaily: (c.user || {}).video_quota_daily }
    }
    return out
  }

  async localClient (req, res) {
    const expected = util.webserverHost(this.cfg).toLowerCase()
    const got = String(req.headers.host || '').toLowerCase()
    if (got !== expected) {
      return sendProblem(res, 403, `Getting client tokens for host ${got} is forbidden`)
    }
    const r = await this.db.query('SELECT "clientId", "clientSecret" FROM "oAuthClient" ORDER BY id LIMIT 1')
    if (!r.rowCount) throw new HttpError(404, 'OAuth client not found')
    return sendJson(res, 200, { client_id: r.rows[0].clientId, client_secret: r.rows[0].clientSecret })
  }

  async oauthError (res, status, code, message) {
    const body = { type: `https://docs.joinpeertube.org/api-rest-reference.html#section/Errors/${code}`, title: http.STATUS_CODES[status], status, detail: message, error: message, code }
    return sendJson(res, status, body)
  }

  async token (req, res) {
    const { type, body } = await parseBody(req)
    if (!type.startsWith('application/x-www-form-urlencoded')) {
      return this.oauthError(res, 400, 'invalid_request', 'Invalid request: content must be application/x-www-form-urlencoded')
    }
    const c = await this.db.query('SELECT id FROM "oAuthClient" WHERE "clientId" = $1 AND "clientSecret" = $2', [body.client_id || '', body.client_secret || ''])
    if (!c.rowCount) return this.oauthError(res, 400, 'invalid_client', 'Invalid client: client is invalid')
    const clientId = c.rows[0].id
    let userId
    if (body.grant_type === 'password') {
      const r = await this.db.query('SELECT id, password, blocked FROM "user" WHERE lower(username) = lower($1) OR lower(email) = lower($1)', [body.username || ''])
      if (!r.rowCount || !util.checkPassword(String(body.password || ''), r.rows[0].password)) {
        return this.oauthError(res, 400, 'invalid_grant', 'Invalid grant: user credentials are invalid')
      }
      if (r.rows[0].blocked) return this.oauthError(res, 400, 'invalid_grant', 'User is blocked.')
      userId = r.rows[0].id
    } else if (body.grant_type === 'refresh_token') {
      const r = await this.db.query('DELETE FROM "oAuthToken" WHERE "refreshToken" = $1 AND "oAuthClientId" = $2 AND "refreshTokenExpiresAt" > now() RETURNING "userId"', [body.refresh_token || '', clientId])
      if (!r.rowCount) return this.oauthError(res, 400, 'invalid_grant', 'Invalid grant: refresh token is invalid')
      userId = r.rows[0].userId
    } else {
      return this.oauthError(res, 400, 'unsupported_grant_type', 'Unsupported grant type: `grant_type` is invalid')
    }
    const access = crypto.randomBytes(20).toString('hex')
    const refresh = crypto.randomBytes(20).toString('hex')
    await this.db.query(
      `INSERT INTO "oAuthToken" ("accessToken", "accessTokenExpiresAt", "refreshToken", "refreshTokenExpiresAt", "userId", "oAuthClientId")
       VALUES ($1, now() + make_interval(secs => $2), $3, now() + make_interval(secs => $4), $5, $6)`,
      [access, ACCESS_TOKEN_LIFETIME, refresh, REFRESH_TOKEN_LIFETIME, userId, clientId])
    return sendJson(res, 200, {
      token_type: 'Bearer',
      access_token: access,
      refresh_token: refresh,
      expires_in: ACCESS_TOKEN_LIFETIME - 1,
      refresh_token_expires_in: REFRESH_TOKEN_LIFETIME - 1
    })
  }

  async auth (req, optional = false) {
    const h = req.headers.authorization || ''
    const m = /^Bearer\s+(\S+)$/i.exec(h)
    if (!m) {
      if (optional) return null
      throw new HttpError(401, 'Token is invalid.', 'invalid_token')
    }
    const r = await this.db.query(
      `SELECT u.id, u.username, u.email, u.role, u."videoQuota", u."videoQuotaDaily", u.blocked, u."createdAt", t."accessToken"
       FROM "oAuthToken" t JOIN "user" u ON u.id = t."userId"
       WHERE t."accessToken" = $1 AND t."accessTokenExpiresAt" > now()`, [m[1]])
    if (!r.rowCount) throw new HttpError(401, 'Token is invalid.', 'invalid_token')
    return r.rows[0]
  }

  async revoke (req, res) {
    const user = await this.auth(req)
    await this.db.query('DELETE FROM "oAuthToken" WHERE "accessToken" = $1', [user.accessToken])
    return sendJson(res, 200, {})
  }

  formatRole (role) {
    // 3.4 exposes a number plus roleLabel; 4.0 made it an object.
    return this.build.features.roleObject ? { id: role, label: ROLE_LABELS[role] } : role
  }

  async me (req, res) {
    const user = await this.auth(req)
    const acc = await this.db.query('SELECT id, name FROM account WHERE "userId" = $1', [user.id])
    const chans = await this.db.query('SELECT c.id, c.name, c."displayName" FROM "videoChannel" c JOIN account a ON a.id = c."accountId" WHERE a."userId" = $1 ORDER BY c.id', [user.id])
    const out = {
      id: user.id,
      username: user.username,
      email: user.email,
      role: this.formatRole(user.role),
      videoQuota: Number(user.videoQuota),
      videoQuotaDaily: Number(user.videoQuotaDaily),
      blocked: user.blocked,
      createdAt: user.createdAt,
      account: acc.rowCount ? { id: acc.rows[0].id, name: acc.rows[0].name, displayName: acc.rows[0].name } : null,
      videoChannels: chans.rows.map(c => ({ id: c.id, name: c.name, displayName: c.displayName }))
    }
    if (!this.build.features.roleObject) out.roleLabel = ROLE_LABELS[user.role]
    return sendJson(res, 200, out)
  }

  async createUser (req, res) {
    const actor = await this.auth(req)
    if (actor.role > 1) throw new HttpError(403, 'User right MANAGE_USERS is missing.')
    const { body } = await parseBody(req)
    const username = String(body.username || '')
    const password = String(body.password || '')
    const email = String(body.email || '')
    const role = body.role === undefined ? 2 : Number(body.role)
    const quota = body.videoQuota === undefined ? Number(this.cfg.user.video_quota) : Number(body.videoQuota)
    const daily = body.videoQuotaDaily === undefined ? Number(this.cfg.user.video_quota_daily) : Number(body.videoQuotaDaily)
    if (!/^[a-z0-9._]{1,50}$/.test(username)) throw new HttpError(400, 'Should have a valid username')
    if (password.length < 6 || password.length > 255) throw new HttpError(400, 'Should have a valid password')
    if (!/^[^@\s]+@[^@\s]+$/.test(email)) throw new HttpError(400, 'Should have a valid email')
    if (![0, 1, 2].includes(role)) throw new HttpError(400, 'Should have a valid role')
    if (!Number.isInteger(quota) || quota < -1 || !Number.isInteger(daily) || daily < -1) throw new HttpError(400, 'Should have a valid video quota')
    if (actor.role !== 0 && role !== 2) throw new HttpError(403, 'User can only create users with the User role')
    const exists = await this.db.query('SELECT 1 FROM "user" WHERE lower(username) = lower($1) OR lower(email) = lower($2)', [username, email])
    if (exists.rowCount) throw new HttpError(409, 'User with this username or email already exists.')
    const created = await createUserWithChannel(this.db, { username, password, email, role, quota, daily })
    logger.info(`User ${username} with its channel and account created.`)
    return sendJson(res, 200, { user: { id: created.userId, account: { id: created.accountId } } })
  }

  async myVideos (req, res, u) {
    const user = await this.auth(req)
    const start = Math.max(0, parseInt(u.searchParams.get('start') || '0', 10) || 0)
    const count = Math.min(100, Math.max(0, parseInt(u.searchParams.get('count') || '15', 10) || 15))
    const search = u.searchParams.get('search')
    const params = [user.id]
    let where = 'a."userId" = $1'
    if (search) { params.push(`%${search}%`); where += ` AND v.name ILIKE $${params.length}` }
    const total = await this.db.query(`SELECT count(*)::int AS n FROM video v JOIN "videoChannel" c ON c.id = v."channelId" JOIN account a ON a.id = c."accountId" WHERE ${where}`, params)
    const rows = await this.db.query(`SELECT v.* FROM video v JOIN "videoChannel" c ON c.id = v."channelId" JOIN account a ON a.id = c."accountId" WHERE ${where} ORDER BY v."createdAt" DESC, v.id DESC OFFSET ${start} LIMIT ${count}`, params)
    return sendJson(res, 200, { total: total.rows[0].n, data: rows.rows.map(v => this.formatVideoShort(v)) })
  }

  formatVideoShort (v) {
    return {
      id: v.id,
      uuid: v.uuid,
      shortUUID: util.toShortUUID(v.uuid),
      name: v.name,
      isLive: v.isLive,
      isLocal: !v.remote,
      state: { id: v.state, label: STATE_LABELS[v.state] },
      privacy: { id: v.privacy, label: PRIVACY_LABELS[v.privacy] },
      duration: v.duration,
      createdAt: v.createdAt,
      publishedAt: v.publishedAt
    }
  }

  async findVideo (idParam) {
    let col = 'id'
    let val = idParam
    if (/^\d+$/.test(idParam)) { col = 'id'; val = Number(idParam) } else if (UUID_RE.test(idParam)) col = 'uuid'
    else {
      val = util.fromShortUUID(idParam)
      col = 'uuid'
      if (!val) return null
    }
    const r = await this.db.query(
      `SELECT v.*, c.name AS "channelName", c."accountId", a."userId" AS "ownerId"
       FROM video v JOIN "videoChannel" c ON c.id = v."channelId" JOIN account a ON a.id = c."accountId" WHERE v."${col}" = $1`, [val])
    return r.rowCount ? r.rows[0] : null
  }

  async getVideo (req, res, idParam) {
    const v = await this.findVideo(idParam)
    if (!v) throw new HttpError(404, 'Video not found')
    if (v.privacy === 3) {
      const user = await this.auth(req, true)
      if (!user || (user.id !== v.ownerId && user.role > 1)) throw new HttpError(403, 'Cannot fetch information of private video')
    }
    const base = `${this.url}/static/streaming-playlists/hls/${v.uuid}/`
    const pls = await this.db.query('SELECT * FROM "videoStreamingPlaylist" WHERE "videoId" = $1 ORDER BY id', [v.id])
    const files = await this.db.query('SELECT * FROM "videoFile" WHERE "videoId" = $1 OR "videoStreamingPlaylistId" = ANY($2::int[]) ORDER BY resolution DESC', [v.id, pls.rows.map(p => p.id)])
    const fmtFile = (f, prefix) => ({
      resolution: { id: f.resolution, label: f.resolution === 0 ? 'Audio' : `${f.resolution}p` },
      size: Number(f.size),
      fps: f.fps,
      fileUrl: prefix + f.filename
    })
    const webPrefix = `${this.url}${this.build.features.webVideos ? '/static/web-videos/' : '/static/webseed/'}`
    const out = this.formatVideoShort(v)
    out.channel = { id: v.channelId, name: v.channelName }
    out.streamingPlaylists = pls.rows.map(p => ({
      id: p.id,
      type: p.type,
      playlistUrl: v.remote ? p.playlistUrl : base + p.playlistFilename,
      segmentsSha256Url: v.remote ? p.segmentsSha256Url : base + p.segmentsSha256Filename,
      files: files.rows.filter(f => f.videoStreamingPlaylistId === p.id).map(f => fmtFile(f, base))
    }))
    out.files = files.rows.filter(f => f.videoId === v.id).map(f => fmtFile(f, webPrefix))
    return sendJson(res, 200, out)
  }

  async deleteVideo (req, res, idParam) {
    const user = await this.auth(req)
    const v = await this.findVideo(idParam)
    if (!v) throw new HttpError(404, 'Video not found')
    if (v.ownerId !== user.id && user.role > 1) throw new HttpError(403, 'Cannot manage a video of another user')
    if (v.isLive && this.ctx.live) await this.ctx.live.stopVideo(v.id)
    await this.db.query('DELETE FROM video WHERE id = $1', [v.id])
    // Upstream removes the video's own files; only this video's directory is touched.
    if (!v.remote) {
      const dir = path.join(this.ctx.storage.hls, v.uuid)
      fs.rmSync(dir, { recursive: true, force: true })
    }
    logger.info(`Video ${v.uuid} deleted.`)
    res.writeHead(204)
    return res.end()
  }

  async createLive (req, res) {
    const user = await this.auth(req)
    const { body } = await parseBody(req)
    const live = this.cfg.live || {}
    if (!live.enabled) throw new HttpError(403, 'Live is not enabled on this instance', 'live_not_enabled')
    const name = String(body.name || '')
    if (name.length < 3 || name.length > 120) throw new HttpError(400, 'Should have a valid name')
    const channelId = Number(body.channelId)
    const ch = await this.db.query('SELECT c.id FROM "videoChannel" c JOIN account a ON a.id = c."accountId" WHERE c.id = $1 AND a."userId" = $2', [channelId, user.id])
    if (!ch.rowCount) throw new HttpError(400, 'Unknown video "video channel" for this account.')
    const saveReplay = toBool(body.saveReplay) || false
    const permanentLive = toBool(body.permanentLive) || false
    const privacy = body.privacy === undefined ? 1 : Number(body.privacy)
    if (!PRIVACY_LABELS[privacy]) throw new HttpError(400, 'Should have a valid privacy')
    if (saveReplay && !live.allow_replay) throw new HttpError(403, 'Saving live replay is not enabled on this instance', 'live_not_allowing_replay')
    if (saveReplay && permanentLive && !this.build.features.liveSessions) throw new HttpError(400, 'Cannot set this live as permanent while saving its replay')
    if (live.max_instance_lives !== -1) {
      const n = await this.db.query('SELECT count(*)::int AS n FROM video WHERE "isLive" = true AND remote = false')
      if (n.rows[0].n >= live.max_instance_lives) throw new HttpError(403, 'Cannot create this live because the max instance lives limit is reached.', 'max_instance_lives_limit_reached')
    }
    if (live.max_user_lives !== -1) {
      const n = await this.db.query('SELECT count(*)::int AS n FROM video v JOIN "videoChannel" c ON c.id = v."channelId" JOIN account a ON a.id = c."accountId" WHERE v."isLive" = true AND a."userId" = $1', [user.id])
      if (n.rows[0].n >= live.max_user_lives) throw new HttpError(403, 'Cannot create this live because the max user lives limit is reached.', 'max_user_lives_limit_reached')
    }
    const uuid = crypto.randomUUID()
    const client = await this.db.connect()
    let videoId
    try {
      await client.query('BEGIN')
      const v = await client.query(
        'INSERT INTO video (uuid, name, privacy, state, "isLive", remote, url, "channelId") VALUES ($1, $2, $3, 4, true, false, $4, $5) RETURNING id',
        [uuid, name, privacy, `${this.url}/videos/watch/${uuid}`, channelId])
      videoId = v.rows[0].id
      await client.query('INSERT INTO "videoLive" ("streamKey", "saveReplay", "permanentLive", "videoId") VALUES ($1, $2, $3, $4)', [crypto.randomUUID(), saveReplay, permanentLive, videoId])
      await client.query('COMMIT')
    } catch (err) {
      await client.query('ROLLBACK')
      throw err
    } finally {
      client.release()
    }
    logger.info(`Live video ${uuid} created.`)
    return sendJson(res, 200, { video: { id: videoId, uuid, shortUUID: util.toShortUUID(uuid) } })
  }

  async getLive (req, res, idParam) {
    const user = await this.auth(req)
    const v = await this.findVideo(idParam)
    if (!v || !v.isLive) throw new HttpError(404, 'Live video not found')
    if (v.ownerId !== user.id && user.role > 1) throw new HttpError(403, 'Cannot manage a video of another user')
    const l = await this.db.query('SELECT * FROM "videoLive" WHERE "videoId" = $1', [v.id])
    if (!l.rowCount) throw new HttpError(404, 'Live video not found')
    const live = this.cfg.live
    const out = {
      rtmpUrl: `rtmp://${this.cfg.webserver.hostname}:${live.rtmp.port}/live`,
      streamKey: l.rows[0].streamKey,
      saveReplay: l.rows[0].saveReplay,
      permanentLive: l.rows[0].permanentLive
    }
    if (this.build.features.rtmps) out.rtmpsUrl = `rtmps://${this.cfg.webserver.hostname}:${live.rtmps.port}/live`
    return sendJson(res, 200, out)
  }

  async liveSessions (req, res, idParam) {
    const user = await this.auth(req)
    const v = await this.findVideo(idParam)
    if (!v || !v.isLive) throw new HttpError(404, 'Live video not found')
    if (v.ownerId !== user.id && user.role > 1) throw new HttpError(403, 'Cannot manage a video of another user')
    const r = await this.db.query('SELECT * FROM "videoLiveSession" WHERE "liveVideoId" = $1 ORDER BY "startDate" DESC', [v.id])
    return sendJson(res, 200, {
      total: r.rowCount,
      data: r.rows.map(s => ({ id: s.id, startDate: s.startDate, endDate: s.endDate, error: s.error, saveReplay: s.saveReplay, endingProcessed: s.endingProcessed, replayVideo: null }))
    })
  }
}

async function createUserWithChannel (db, { username, password, email, role, quota, daily }) {
  const client = await db.connect()
  try {
    await client.query('BEGIN')
    const u = await client.query('INSERT INTO "user" (username, password, email, role, "videoQuota", "videoQuotaDaily") VALUES ($1, $2, $3, $4, $5, $6) RETURNING id',
      [username, util.hashPassword(password), email, role, quota, daily])
    const a = await client.query('INSERT INTO account (name, "userId") VALUES ($1, $2) RETURNING id', [username, u.rows[0].id])
    let channelName = `${username}_channel`
    const taken = await client.query('SELECT 1 FROM "videoChannel" WHERE name = $1', [channelName])
    if (taken.rowCount) channelName = crypto.randomUUID()
    const c = await client.query('INSERT INTO "videoChannel" (name, "displayName", "accountId") VALUES ($1, $2, $3) RETURNING id', [channelName, `Main ${username} channel`, a.rows[0].id])
    await client.query('COMMIT')
    return { userId: u.rows[0].id, accountId: a.rows[0].id, channelId: c.rows[0].id }
  } catch (err) {
    await client.query('ROLLBACK')
    throw err
  } finally {
    client.release()
  }
}

module.exports = { Api, HttpError, createUserWithChannel, STATE_LABELS }
