'use strict'
// Minimal RESP client: PeerTube only needs Redis reachable (job queue, caches); the
// stand-in pings it at boot and pushes a marker job when the 4.0 script federates a video.
const net = require('net')

function encode (args) {
  let out = `*${args.length}\r\n`
  for (const a of args) {
    const s = String(a)
    out += `$${Buffer.byteLength(s)}\r\n${s}\r\n`
  }
  return out
}

function parseReply (buf) {
  // Returns [value, rest] or null when incomplete; handles simple/error/int/bulk replies.
  const end = buf.indexOf('\r\n')
  if (end < 0) return null
  const type = String.fromCharCode(buf[0])
  const line = buf.slice(1, end).toString()
  const rest = buf.slice(end + 2)
  if (type === '+') return [line, rest]
  if (type === '-') return [new Error(line), rest]
  if (type === ':') return [Number(line), rest]
  if (type === '$') {
    const len = Number(line)
    if (len < 0) return [null, rest]
    if (rest.length < len + 2) return null
    return [rest.slice(0, len).toString(), rest.slice(len + 2)]
  }
  throw new Error(`Unsupported Redis reply type ${type}`)
}

class Redis {
  constructor ({ hostname, port, auth, db, socket }) {
    this.opts = { hostname: hostname || '127.0.0.1', port: port || 6379, auth, db: db || 0, socket }
    this.pending = []
    this.buf = Buffer.alloc(0)
  }

  connect (timeoutMs = 5000) {
    return new Promise((resolve, reject) => {
      const o = this.opts
      const sock = o.socket ? net.createConnection(o.socket) : net.createConnection({ host: o.hostname, port: o.port })
      const timer = setTimeout(() => { sock.destroy(); reject(new Error(`connect timeout to ${o.hostname}:${o.port}`)) }, timeoutMs)
      sock.once('connect', async () => {
        clearTimeout(timer)
        this.sock = sock
        try {
          if (o.auth) await this.command('AUTH', o.auth)
          if (o.db) await this.command('SELECT', o.db)
          await this.command('PING')
          resolve(this)
        } catch (err) { reject(err) }
      })
      sock.on('error', err => {
        clearTimeout(timer)
        const p = this.pending.shift()
        if (p) p.reject(err)
        if (!this.sock) reject(err)
      })
      sock.on('data', d => {
        this.buf = Buffer.concat([this.buf, d])
        for (;;) {
          const r = parseReply(this.buf)
          if (!r) break
          this.buf = r[1]
          const p = this.pending.shift()
          if (!p) continue
          if (r[0] instanceof Error) p.reject(r[0])
          else p.resolve(r[0])
        }
      })
    })
  }

  command (...args) {
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject })
      this.sock.write(encode(args))
    })
  }

  close () {
    if (this.sock) this.sock.end()
  }
}

module.exports = { Redis }
