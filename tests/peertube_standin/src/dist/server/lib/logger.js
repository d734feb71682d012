'use strict'
// Writes like upstream's winston setup: console plus storage.logs/peertube.log.
const fs = require('fs')
const path = require('path')
const util = require('util')

let logFile = null
let label = ''
const LEVELS = { debug: 0, info: 1, warn: 2, error: 3 }
let minLevel = LEVELS.info

function init ({ logsDir, host, level }) {
  label = host ? `[${host}] ` : ''
  if (level && LEVELS[level] !== undefined) minLevel = LEVELS[level]
  if (logsDir) {
    fs.mkdirSync(logsDir, { recursive: true })
    logFile = path.join(logsDir, 'peertube.log')
  }
}

function write (level, msg, meta) {
  if (LEVELS[level] < minLevel) return
  let line = `${label}${new Date().toISOString()} ${level}: ${msg}`
  if (meta !== undefined) line += ' ' + (typeof meta === 'string' ? meta : util.inspect(meta, { breakLength: Infinity, depth: 4 }))
  process.stdout.write(line + '\n')
  if (logFile) {
    try { fs.appendFileSync(logFile, line + '\n') } catch (err) { process.stdout.write(`cannot write ${logFile}: ${err.message}\n`) }
  }
}

module.exports = {
  init,
  debug: (m, meta) => write('debug', m, meta),
  info: (m, meta) => write('info', m, meta),
  warn: (m, meta) => write('warn', m, meta),
  error: (m, meta) => write('error', m, meta)
}
