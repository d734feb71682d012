'use strict'
// node-config compatible loader (the subset PeerTube relies on): NODE_CONFIG_DIR is a
// ':'-separated list; files are applied by base name (default, <env>, <host>, local,
// local-<env>), and for one base name in directory order, so later dirs win at equal level.
// custom-environment-variables.* then maps env vars onto keys, as in the docker image.
const fs = require('fs')
const os = require('os')
const path = require('path')
const YAML = require('yaml')

const EXTENSIONS = ['json', 'yaml', 'yml']

function isObject (v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

function deepMerge (target, src) {
  for (const [k, v] of Object.entries(src || {})) {
    if (isObject(v) && isObject(target[k])) deepMerge(target[k], v)
    else target[k] = isObject(v) ? deepMerge({}, v) : v
  }
  return target
}

function parseFile (file) {
  const raw = fs.readFileSync(file, 'utf8')
  if (file.endsWith('.json')) return raw.trim() ? JSON.parse(raw) : {}
  return YAML.parse(raw) || {}
}

function baseNames (env) {
  const deployment = env.NODE_ENV || 'development'
  const instance = env.NODE_APP_INSTANCE
  const full = env.HOST || env.HOSTNAME || os.hostname()
  const short = full.split('.')[0]
  const names = ['default']
  if (instance) names.push(`default-${instance}`)
  names.push(deployment)
  if (instance) names.push(`${deployment}-${instance}`)
  names.push(short)
  if (full !== short) names.push(full)
  names.push('local')
  if (instance) names.push(`local-${instance}`)
  names.push(`local-${deployment}`)
  if (instance) names.push(`local-${deployment}-${instance}`)
  return names
}

function applyCustomEnv (config, mapping, env, prefix = []) {
  for (const [k, v] of Object.entries(mapping || {})) {
    const keyPath = prefix.concat(k)
    let name = null
    let format = null
    if (typeof v === 'string') name = v
    else if (isObject(v) && typeof v.__name === 'string') { name = v.__name; format = v.__format || null } else if (isObject(v)) { applyCustomEnv(config, v, env, keyPath); continue }
    if (!name || env[name] === undefined || env[name] === '') continue
    let value = env[name]
    if (format === 'json') value = JSON.parse(value)
    else if (format === 'yaml') value = YAML.parse(value)
    setPath(config, keyPath, value)
  }
}

function setPath (obj, keyPath, value) {
  let cur = obj
  for (const k of keyPath.slice(0, -1)) {
    if (!isObject(cur[k])) cur[k] = {}
    cur = cur[k]
  }
  cur[keyPath[keyPath.length - 1]] = value
}

function getPath (obj, dotted) {
  let cur = obj
  for (const k of dotted.split('.')) {
    if (!isObject(cur) || !Object.prototype.hasOwnProperty.call(cur, k)) return undefined
    cur = cur[k]
  }
  return cur
}

function hasPath (obj, dotted) {
  return getPath(obj, dotted) !== undefined
}

// Leaf keys of a yaml document: what the release's default.yaml guarantees to the code.
function leafKeys (obj, prefix = '') {
  const out = []
  for (const [k, v] of Object.entries(obj || {})) {
    const p = prefix ? `${prefix}.${k}` : k
    if (isObject(v) && Object.keys(v).length > 0) out.push(...leafKeys(v, p))
    else out.push(p)
  }
  return out
}

function loadConfig (env = process.env, cwd = process.cwd()) {
  const dirs = (env.NODE_CONFIG_DIR || path.join(cwd, 'config')).split(':').filter(Boolean)
  if (env.PEERTUBE_LOCAL_CONFIG && !dirs.includes(env.PEERTUBE_LOCAL_CONFIG)) dirs.push(env.PEERTUBE_LOCAL_CONFIG)
  const config = {}
  const sources = []
  for (const base of baseNames(env)) {
    for (const ext of EXTENSIONS) {
      for (const dir of dirs) {
        const file = path.resolve(cwd, dir, `${base}.${ext}`)
        if (!fs.existsSync(file)) continue
        deepMerge(config, parseFile(file))
        sources.push(file)
      }
    }
  }
  if (env.NODE_CONFIG) deepMerge(config, JSON.parse(env.NODE_CONFIG))
  for (const dir of dirs) {
    for (const ext of EXTENSIONS) {
      const file = path.resolve(cwd, dir, `custom-environment-variables.${ext}`)
      if (fs.existsSync(file)) { applyCustomEnv(config, parseFile(file), env); sources.push(file) }
    }
  }
  return { config, sources, dirs }
}

module.exports = { loadConfig, getPath, hasPath, leafKeys, deepMerge, parseFile }
