'use strict'
// Shared set-up of the CLI scripts (dist/scripts/*): same config loading and DB/Redis access as
// the server, without starting it.
const path = require('path')
const { loadConfig } = require('./config')
const db = require('./db')
const { Redis } = require('./redis')

const ROOT = path.resolve(__dirname, '..', '..', '..')

function storagePath (p) {
  return path.isAbsolute(p) ? p : path.join(ROOT, p)
}

async function initScript ({ redis = false } = {}) {
  const { config } = loadConfig()
  const pool = await db.connect(config)
  let client = null
  if (redis) client = await new Redis(config.redis || {}).connect()
  return { cfg: config, pool, redis: client, storagePath }
}

module.exports = { initScript, ROOT }
