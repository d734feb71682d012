'use strict'
// `npm run reset-password -- -u <user>`: reads the new password on stdin (one line), as
// upstream's prompt does.
const readline = require('readline')
const { initScript } = require('../server/lib/script-env')
const util = require('../server/lib/util')

async function run () {
  const i = process.argv.indexOf('-u')
  const username = i >= 0 ? process.argv[i + 1] : null
  if (!username) throw new Error('Usage: npm run reset-password -- -u <username>')
  const env = await initScript()
  const r = await env.pool.query('SELECT id FROM "user" WHERE username = $1', [username])
  if (!r.rowCount) throw new Error(`Unknown username ${username}`)
  process.stdout.write('New password? ')
  const rl = readline.createInterface({ input: process.stdin })
  const password = await new Promise(resolve => rl.once('line', line => { rl.close(); resolve(line) }))
  if (password.length < 6) throw new Error('Password is invalid (6 characters minimum).')
  await env.pool.query('UPDATE "user" SET password = $1, "updatedAt" = now() WHERE id = $2', [util.hashPassword(password), r.rows[0].id])
  console.log('User password updated.')
}

run().then(() => process.exit(0)).catch(err => { console.error(err.message); process.exit(255) })
