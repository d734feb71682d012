'use strict'
// Request body parsing: JSON, urlencoded and multipart/form-data (fields only).
const querystring = require('querystring')

const LIMIT = 10 * 1024 * 1024

function readBody (req) {
  return new Promise((resolve, reject) => {
    const chunks = []
    let size = 0
    req.on('data', c => {
      size += c.length
      if (size > LIMIT) { reject(Object.assign(new Error('Request body too large'), { status: 413 })); req.destroy() } else chunks.push(c)
    })
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

function parseMultipart (buf, contentType) {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType)
  if (!m) return {}
  const boundary = Buffer.from('--' + (m[1] || m[2]))
  const fields = {}
  let pos = buf.indexOf(boundary)
  while (pos >= 0) {
    const start = pos + boundary.length
    if (buf.slice(start, start + 2).toString() === '--') break
    const next = buf.indexOf(boundary, start)
    if (next < 0) break
    const part = buf.slice(start + 2, next - 2) // skip CRLF after boundary and before next one
    const sep = part.indexOf('\r\n\r\n')
    if (sep >= 0) {
      const headers = part.slice(0, sep).toString()
      const nameMatch = /name="([^"]*)"/i.exec(headers)
      if (nameMatch && !/filename=/i.test(headers)) fields[nameMatch[1]] = part.slice(sep + 4).toString()
    }
    pos = next
  }
  return fields
}

async function parseBody (req) {
  const type = (req.headers['content-type'] || '').toLowerCase()
  const buf = await readBody(req)
  if (buf.length === 0) return { type, body: {} }
  if (type.startsWith('application/json')) {
    try { return { type, body: JSON.parse(buf.toString()) } } catch (err) { throw Object.assign(new Error('Invalid JSON body'), { status: 400 }) }
  }
  if (type.startsWith('application/x-www-form-urlencoded')) return { type, body: { ...querystring.parse(buf.toString()) } }
  if (type.startsWith('multipart/form-data')) return { type, body: parseMultipart(buf, req.headers['content-type']) }
  return { type, body: {} }
}

function toBool (v) {
  if (typeof v === 'boolean') return v
  if (v === undefined || v === null) return undefined
  return ['true', '1', 'yes', 'on'].includes(String(v).toLowerCase())
}

module.exports = { parseBody, toBool }
