'use strict'
const crypto = require('crypto')

// short-uuid (flickrBase58, constant length 22) as upstream's shortUUID.
const ALPHABET = '123456789abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ'

function toShortUUID (uuid) {
  let n = BigInt('0x' + uuid.replace(/-/g, ''))
  let out = ''
  while (n > 0n) {
    out = ALPHABET[Number(n % 58n)] + out
    n = n / 58n
  }
  return out.padStart(22, ALPHABET[0])
}

function fromShortUUID (s) {
  let n = 0n
  for (const ch of s) {
    const i = ALPHABET.indexOf(ch)
    if (i < 0) return null
    n = n * 58n + BigInt(i)
  }
  const hex = n.toString(16).padStart(32, '0')
  if (hex.length > 32) return null
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

function hashPassword (password) {
  const salt = crypto.randomBytes(16).toString('hex')
  const hash = crypto.scryptSync(password, salt, 32).toString('hex')
  return `$scrypt$${salt}$${hash}`
}

function checkPassword (password, stored) {
  const parts = String(stored).split('$')
  if (parts.length !== 4 || parts[1] !== 'scrypt') return false
  const hash = crypto.scryptSync(password, parts[2], 32)
  const expected = Buffer.from(parts[3], 'hex')
  return expected.length === hash.length && crypto.timingSafeEqual(expected, hash)
}

function randomHex (bytes) {
  return crypto.randomBytes(bytes).toString('hex')
}

function webserverUrl (cfg) {
  const w = cfg.webserver
  const scheme = w.https ? 'https' : 'http'
  const port = Number(w.port)
  const omit = (w.https && port === 443) || (!w.https && port === 80)
  return `${scheme}://${w.hostname}${omit ? '' : ':' + port}`
}

// Host header PeerTube expects for local OAuth client discovery.
function webserverHost (cfg) {
  const port = Number(cfg.webserver.port)
  return port === 443 || port === 80 ? cfg.webserver.hostname : `${cfg.webserver.hostname}:${port}`
}

module.exports = { toShortUUID, fromShortUUID, hashPassword, checkPassword, randomHex, webserverUrl, webserverHost }
