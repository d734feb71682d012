'use strict'
// PeerTube stand-in entry point (`node dist/server`). Boot order follows upstream's server.ts:
// config checks, storage dirs, database (migrations, installer), Redis, HTTP, then RTMP.
const fs = require('fs')
const path = require('path')
const crypto = require('crypto')

const ROOT = path.resolve(__dirname, '..')
const build = require('./server/build-info.json')
const { loadConfig, hasPath, leafKeys, parseFile } = require('./server/lib/config')
const logger = require('./server/lib/logger')
const db = require('./server/lib/db')
const { Redis } = require('./server/lib/redis')
const { Api, createUserWithChannel } = require('./server/lib/api')
const { LiveManager } = require('./server/lib/live')
const util = require('./server/lib/util')

function fatal (msg, meta) {
  logger.error(msg, meta)
  process.exit(1)
}

function storagePath (p) {
  return path.isAbsolute(p) ? p : path.join(ROOT, p)
}

function checkConfig (cfg) {
  const major = Number(process.versions.node.split('.')[0])
  if (major < build.nodeMin) fatal(`Your Node.js version ${process.versions.node} is not supported by PeerTube ${build.version}: Node >= ${build.nodeMin} is required.`)
  const defaults = parseFile(path.join(ROOT, 'config', 'default.yaml'))
  const missed = leafKeys(defaults).filter(k => !hasPath(cfg, k))
  if (missed.length) fatal(`Your configuration files miss keys: ${missed.join(', ')}`)
  if (build.features.secretsRequired && !(cfg.secrets && cfg.secrets.peertube)) {
    fatal('secrets.peertube is missing in your configuration: set a random secret (openssl rand -hex 32) in production.yaml.')
  }
}

function storageDirs (cfg) {
  const out = {}
  for (const [key, value] of Object.entries(cfg.storage || {})) {
    if (typeof value !== 'string' || !value) continue
    const p = storagePath(value)
    fs.mkdirSync(p, { recursive: true })
    out[key] = p
  }
  out.hls = path.join(out.streaming_playlists, 'hls')
  fs.mkdirSync(out.hls, { recursive: true })
  out.videos = build.features.webVideos ? out.web_videos : out.videos
  return out
}

async function installer (pool) {
  const users = await pool.query('SELECT count(*)::int AS n FROM "user"')
  if (users.rows[0].n === 0) {
    let password = process.env.PT_INITIAL_ROOT_PASSWORD
    const generated = !password
    if (generated) password = crypto.randomBytes(12).toString('base64url')
    if (password.length < 6) fatal('PT_INITIAL_ROOT_PASSWORD is too short (6 characters minimum).')
    const cfg = pool.peertubeConfig
    await createUserWithChannel(pool, { username: 'root', password, email: cfg.admin.email, role: 0, quota: -1, daily: -1 })
    logger.info('Username: root')
    if (generated) logger.info(`User password: ${password}`)
    else logger.info('User password: taken from PT_INITIAL_ROOT_PASSWORD')
  }
  const clients = await pool.query('SELECT count(*)::int AS n FROM "oAuthClient"')
  if (clients.rows[0].n === 0) {
    await pool.query('INSERT INTO "oAuthClient" ("clientId", "clientSecret", grants, "redirectUris") VALUES ($1, $2, $3, $4)',
      [crypto.randomUUID().replace(/-/g, ''), util.randomHex(16), ['password', 'refresh_token'], null])
    logger.info('Client id and secret created.')
  }
}

async function main () {
  const { config: cfg, sources } = loadConfig()
  if (!cfg.storage || !cfg.webserver || !cfg.database) fatal(`No usable configuration found in ${sources.join(', ') || process.env.NODE_CONFIG_DIR}`)
  logger.init({ logsDir: cfg.storage.logs ? storagePath(cfg.storage.logs) : null, host: util.webserverHost(cfg), level: (cfg.log || {}).level })
  logger.info(`PeerTube stand-in ${build.version} starting (schema ${build.schema}, node ${process.versions.node}).`, { sources })
  checkConfig(cfg)
  const storage = storageDirs(cfg)

  let pool
  try {
    pool = await db.connect(cfg)
  } catch (err) {
    fatal('Unable to connect to PostgreSQL database.', { err: err.message, host: cfg.database.hostname, port: cfg.database.port, database: db.dbName(cfg) })
  }
  pool.peertubeConfig = cfg
  try {
    await db.checkExtensions(pool)
    await db.migrateAndInstall(pool, build.schema)
    await installer(pool)
  } catch (err) {
    fatal('Cannot migrate or install the database.', { err: err.message })
  }

  const redis = new Redis(cfg.redis || {})
  try {
    await redis.connect()
  } catch (err) {
    fatal('Error in Redis client.', { err: err.message, host: (cfg.redis || {}).hostname, port: (cfg.redis || {}).port })
  }

  const ctx = { cfg, build, db: pool, redis, root: ROOT, storage }
  ctx.live = new LiveManager(ctx)
  const api = new Api(ctx)
  try {
    await api.listen()
    await ctx.live.start()
  } catch (err) {
    fatal('Cannot start servers.', { err: err.message })
  }
  logger.info(`Server listening on ${cfg.listen.hostname}:${cfg.listen.port}`)

  const stop = sig => {
    logger.info(`Received ${sig}, stopping.`)
    process.exit(0)
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
}

main().catch(err => fatal('Fatal error at start-up.', { err: err.stack || err.message }))
