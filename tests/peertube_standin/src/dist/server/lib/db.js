'use strict'
// PostgreSQL access, schema and start-up migrations. Table and column names are upstream's
// (sequelize camelCase, quoted). The schema is the subset our roles and checks touch.
const { Pool } = require('pg')
const logger = require('./logger')

// Schema as of migration 670 (PeerTube 3.4.0 .. 4.0.0).
const BASE_SCHEMA = `
CREATE TABLE IF NOT EXISTS "application" (
  "id" SERIAL PRIMARY KEY,
  "migrationVersion" INTEGER NOT NULL DEFAULT 0,
  "latestPeerTubeVersion" VARCHAR(255),
  "createdAt" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "updatedAt" TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS "user" (
  "id" SERIAL PRIMARY KEY,
  "username" VARCHAR(255) NOT NULL UNIQUE,
  "password" VARCHAR(255) NOT NULL,
  "email" VARCHAR(400) NOT NULL UNIQUE,
  "role" INTEGER NOT NULL DEFAULT 2,
  "videoQuota" BIGINT NOT NULL DEFAULT -1,
  "videoQuotaDaily" BIGINT NOT NULL DEFAULT -1,
  "blocked" BOOLEAN NOT NULL DEFAULT false,
  "createdAt" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "updatedAt" TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS "account" (
  "id" SERIAL PRIMARY KEY,
  "name" VARCHAR(255) NOT NULL,
  "userId" INTEGER REFERENCES "user" ("id") ON DELETE CASCADE,
  "createdAt" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "updatedAt" TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS "videoChannel" (
  "id" SERIAL PRIMARY KEY,
  "name" VARCHAR(255) NOT NULL UNIQUE,
  "displayName" VARCHAR(255) NOT NULL,
  "accountId" INTEGER NOT NULL REFERENCES "account" ("id") ON DELETE CASCADE,
  "createdAt" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "updatedAt" TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS "video" (
  "id" SERIAL PRIMARY KEY,
  "uuid" UUID NOT NULL UNIQUE,
  "name" VARCHAR(255) NOT NULL,
  "category" INTEGER,
  "privacy" INTEGER NOT NULL DEFAULT 1,
  "duration" INTEGER NOT NULL DEFAULT 0,
  "state" INTEGER NOT NULL DEFAULT 1,
  "isLive" BOOLEAN NOT NULL DEFAULT false,
  "remote" BOOLEAN NOT NULL DEFAULT false,
  "url" VARCHAR(2000) NOT NULL,
  "channelId" INTEGER NOT NULL REFERENCES "videoChannel" ("id") ON DELETE CASCADE,
  "publishedAt" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "createdAt" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "updatedAt" TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS "videoStreamingPlaylist" (
  "id" SERIAL PRIMARY KEY,
  "type" INTEGER NOT NULL,
  "playlistUrl" VARCHAR(2000),
  "playlistFilename" VARCHAR(255) NOT NULL,
  "segmentsSha256Url" VARCHAR(2000),
  "segmentsSha256Filename" VARCHAR(255) NOT NULL,
  "p2pMediaLoaderInfohashes" VARCHAR(255)[] NOT NULL DEFAULT '{}',
  "p2pMediaLoaderPeerVersion" INTEGER NOT NULL DEFAULT 1,
  "storage" INTEGER NOT NULL DEFAULT 0,
  "videoId" INTEGER NOT NULL REFERENCES "video" ("id") ON DELETE CASCADE,
  "createdAt" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "updatedAt" TIMESTAMPTZ NOT NULL DEFAULT now(),
  UNIQUE ("videoId", "type")
);
CREATE TABLE IF NOT EXISTS "videoFile" (
  "id" SERIAL PRIMARY KEY,
  "resolution" INTEGER NOT NULL,
  "size" BIGINT NOT NULL,
  "extname" VARCHAR(255) NOT NULL,
  "infoHash" VARCHAR(255),
  "fps" INTEGER NOT NULL DEFAULT -1,
  "filename" VARCHAR(255),
  "torrentFilename" VARCHAR(255),
  "fileUrl" VARCHAR(255),
  "torrentUrl" VARCHAR(255),
  "storage" INTEGER NOT NULL DEFAULT 0,
  "videoId" INTEGER REFERENCES "video" ("id") ON DELETE CASCADE,
  "videoStreamingPlaylistId" INTEGER REFERENCES "videoStreamingPlaylist" ("id") ON DELETE CASCADE,
  "createdAt" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "updatedAt" TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS "video_file_video_streaming_playlist_id" ON "videoFile" ("videoStreamingPlaylistId");
CREATE TABLE IF NOT EXISTS "videoLive" (
  "id" SERIAL PRIMARY KEY,
  "streamKey" VARCHAR(255),
  "saveReplay" BOOLEAN NOT NULL DEFAULT false,
  "permanentLive" BOOLEAN NOT NULL DEFAULT false,
  "videoId" INTEGER NOT NULL UNIQUE REFERENCES "video" ("id") ON DELETE CASCADE,
  "createdAt" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "updatedAt" TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS "oAuthClient" (
  "id" SERIAL PRIMARY KEY,
  "clientId" VARCHAR(255) NOT NULL,
  "clientSecret" VARCHAR(255) NOT NULL,
  "grants" VARCHAR(255)[],
  "redirectUris" VARCHAR(255)[],
  "createdAt" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "updatedAt" TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS "oAuthToken" (
  "id" SERIAL PRIMARY KEY,
  "accessToken" VARCHAR(255) NOT NULL UNIQUE,
  "accessTokenExpiresAt" TIMESTAMPTZ,
  "refreshToken" VARCHAR(255) NOT NULL UNIQUE,
  "refreshTokenExpiresAt" TIMESTAMPTZ,
  "userId" INTEGER REFERENCES "user" ("id") ON DELETE CASCADE,
  "oAuthClientId" INTEGER REFERENCES "oAuthClient" ("id") ON DELETE CASCADE,
  "createdAt" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "updatedAt" TIMESTAMPTZ NOT NULL DEFAULT now()
);
`

// Forward-only SQL migrations after 670 (a subset of upstream's, same numbering idea).
// Each release applies those up to its own schema number (build-info.json).
const MIGRATIONS = [
  {
    version: 705,
    name: 'live-session',
    sql: `CREATE TABLE IF NOT EXISTS "videoLiveSession" (
      "id" SERIAL PRIMARY KEY,
      "startDate" TIMESTAMPTZ NOT NULL,
      "endDate" TIMESTAMPTZ,
      "error" INTEGER,
      "saveReplay" BOOLEAN NOT NULL DEFAULT false,
      "endingProcessed" BOOLEAN NOT NULL DEFAULT false,
      "replayVideoId" INTEGER REFERENCES "video" ("id") ON DELETE SET NULL,
      "liveVideoId" INTEGER REFERENCES "video" ("id") ON DELETE SET NULL,
      "createdAt" TIMESTAMPTZ NOT NULL DEFAULT now(),
      "updatedAt" TIMESTAMPTZ NOT NULL DEFAULT now()
    )`
  },
  {
    version: 745,
    name: 'user-otp-secret',
    sql: 'ALTER TABLE "user" ADD COLUMN IF NOT EXISTS "otpSecret" VARCHAR(255)'
  },
  {
    version: 785,
    name: 'video-password',
    sql: `CREATE TABLE IF NOT EXISTS "videoPassword" (
      "id" SERIAL PRIMARY KEY,
      "password" VARCHAR(255) NOT NULL,
      "videoId" INTEGER NOT NULL REFERENCES "video" ("id") ON DELETE CASCADE,
      "createdAt" TIMESTAMPTZ NOT NULL DEFAULT now(),
      "updatedAt" TIMESTAMPTZ NOT NULL DEFAULT now(),
      UNIQUE ("videoId", "password")
    )`
  },
  {
    version: 790,
    name: 'storyboard',
    sql: `CREATE TABLE IF NOT EXISTS "storyboard" (
      "id" SERIAL PRIMARY KEY,
      "filename" VARCHAR(1024) NOT NULL,
      "totalHeight" INTEGER NOT NULL,
      "totalWidth" INTEGER NOT NULL,
      "spriteHeight" INTEGER NOT NULL,
      "spriteWidth" INTEGER NOT NULL,
      "spriteDuration" INTEGER NOT NULL,
      "fileUrl" VARCHAR(1024),
      "videoId" INTEGER NOT NULL UNIQUE REFERENCES "video" ("id") ON DELETE CASCADE,
      "createdAt" TIMESTAMPTZ NOT NULL DEFAULT now(),
      "updatedAt" TIMESTAMPTZ NOT NULL DEFAULT now()
    )`
  }
]

function dbName (cfg) {
  if (cfg.database && cfg.database.name) return cfg.database.name
  return 'peertube' + ((cfg.database && cfg.database.suffix) || '')
}

// A pool, as sequelize uses; checked with one query so an unreachable DB fails at boot.
async function connect (cfg) {
  const d = cfg.database || {}
  const pool = new Pool({
    max: (d.pool && d.pool.max) || 5,
    host: d.hostname,
    port: d.port,
    user: d.username,
    password: d.password === null || d.password === undefined ? undefined : String(d.password),
    database: dbName(cfg),
    ssl: d.ssl ? { rejectUnauthorized: false } : false,
    connectionTimeoutMillis: 10000
  })
  pool.on('error', err => logger.error('PostgreSQL pool error.', { err: err.message }))
  await pool.query('SELECT 1')
  return pool
}

async function checkExtensions (client) {
  for (const ext of ['pg_trgm', 'unaccent']) {
    const r = await client.query('SELECT 1 FROM pg_extension WHERE extname = $1', [ext])
    if (r.rowCount > 0) continue
    try {
      await client.query(`CREATE EXTENSION IF NOT EXISTS ${ext}`)
    } catch (err) {
      throw new Error(`You need to enable ${ext} extension in PostgreSQL. You can do so by running 'CREATE EXTENSION ${ext};' as a PostgreSQL super user in ${client.options.database} database. (${err.message})`)
    }
  }
}

async function currentVersion (client) {
  const t = await client.query("SELECT to_regclass('\"application\"') AS t")
  if (!t.rows[0].t) return null
  const r = await client.query('SELECT "migrationVersion" FROM "application" LIMIT 1')
  return r.rowCount ? r.rows[0].migrationVersion : 0
}

// Upstream order: migrate() first (no-op on an empty DB, silent when the DB is already at
// or above the code's version), then the installer creates what is missing.
async function migrateAndInstall (pool, schema) {
  const client = await pool.connect()
  try {
    return await migrateWith(client, schema)
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {})
    throw err
  } finally {
    client.release()
  }
}

async function migrateWith (client, schema) {
  const actual = await currentVersion(client)
  if (actual === null) {
    logger.info('Database is empty, creating the schema.', { schema })
    await client.query('BEGIN')
    await client.query(BASE_SCHEMA)
    for (const m of MIGRATIONS.filter(m => m.version <= schema)) await client.query(m.sql)
    await client.query('INSERT INTO "application" ("migrationVersion") VALUES ($1)', [schema])
    await client.query('COMMIT')
    return { from: null, to: schema }
  }
  if (actual >= schema) return { from: actual, to: actual }
  logger.info('Begin migrations.')
  for (const m of MIGRATIONS.filter(m => m.version > actual && m.version <= schema)) {
    logger.info(`Executing migration script ${String(m.version).padStart(4, '0')}-${m.name}.`)
    await client.query('BEGIN')
    await client.query(m.sql)
    await client.query('UPDATE "application" SET "migrationVersion" = $1, "updatedAt" = now()', [m.version])
    await client.query('COMMIT')
  }
  await client.query('UPDATE "application" SET "migrationVersion" = $1, "updatedAt" = now()', [schema])
  logger.info(`Migrations finished. New migration version schema: ${schema}`)
  return { from: actual, to: schema }
}

module.exports = { connect, dbName, checkExtensions, migrateAndInstall, currentVersion, BASE_SCHEMA, MIGRATIONS }
