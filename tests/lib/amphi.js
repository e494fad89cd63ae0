// Starts the real `amphi` binary for a test, on 127.0.0.1 port 0 with its own data folder,
// and runs its CLI against the same database. The binary is built by scripts/test beforehand.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');

const ROOT = path.join(__dirname, '..', '..');
// Where cargo put it: $CARGO_TARGET_DIR when set (relative to the repository), else ./target.
const TARGET = path.resolve(ROOT, process.env.CARGO_TARGET_DIR || 'target');
const BIN = process.env.AMPHI_BIN || path.join(TARGET, 'debug', 'amphi');

function baseEnv(dataDir, extraEnv) {
  const env = {
    ...process.env,
    AMPHI_HTTP_LISTEN: '127.0.0.1:0',
    AMPHI_DATA_DIR: dataDir,
    AMPHI_MEDIA_BIND_IP: '127.0.0.1',
    AMPHI_MEDIA_ANNOUNCED_IPS: '127.0.0.1',
    ...extraEnv,
  };
  // A test picks its backend explicitly: never inherit a developer's DATABASE_URL by accident.
  if (!('DATABASE_URL' in extraEnv)) delete env.DATABASE_URL;
  return env;
}

/**
 * Starts a server. Resolves once it prints its listening line.
 * Returns { url, setupLink, dataDir, cli(args, input), logs(), stop() }.
 */
async function startAmphi({ env = {}, args = [], timeoutMs = 30000 } = {}) {
  if (!fs.existsSync(BIN)) throw new Error(`amphi binary not found at ${BIN}: run cargo build -p amphi-server`);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'amphi-data-'));
  const fullEnv = baseEnv(dataDir, env);
  const child = spawn(BIN, ['serve', ...args], { env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = [];
  let setupLink = null;
  const keep = (stream) => readline.createInterface({ input: stream }).on('line', (l) => {
    lines.push(l);
    if (lines.length > 5000) lines.shift();
    const m = /^amphi: first-run setup link: (\S+)/.exec(l);
    if (m) setupLink = m[1];
  });
  keep(child.stdout);
  keep(child.stderr);

  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`amphi did not start in ${timeoutMs} ms:\n${lines.join('\n')}`)), timeoutMs);
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`amphi exited with ${code}:\n${lines.join('\n')}`)); });
    readline.createInterface({ input: child.stdout }).on('line', (l) => {
      const m = /^amphi: listening on (\S+)/.exec(l);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
  });
  // The setup line may follow the listening line by a few milliseconds.
  await new Promise((r) => setTimeout(r, 100));

  return {
    url,
    get setupLink() { return setupLink; },
    dataDir,
    env: fullEnv,
    process: child,
    logs: () => lines.join('\n'),
    cli: (cliArgs, input) => runCli(cliArgs, fullEnv, input),
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Runs `amphi <args>` with the given environment; throws with its output when it fails. */
function runCli(args, env, input) {
  const r = spawnSync(BIN, args, { env, input, encoding: 'utf8', timeout: 30000 });
  if (r.status !== 0) throw new Error(`amphi ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout.trim();
}

/** Creates a user with a password through the CLI. */
function addUser(server, email, password, { admin = false } = {}) {
  const args = ['user', 'add', email, '--password-stdin'];
  if (admin) args.push('--admin');
  return server.cli(args, `${password}\n`);
}

/**
 * Creates a room through the CLI and returns its URL (the last thing the command prints).
 * Rooms are closed when created; it is opened too unless `open: false`.
 */
function addRoom(server, name, ownerEmail, { open = true } = {}) {
  const out = server.cli(['room', 'add', name, '--owner', ownerEmail]);
  const m = /(https?:\/\/\S+\/r\/[a-z0-9-]+)/.exec(out);
  if (!m) throw new Error(`amphi room add printed no room URL: ${out}`);
  // The CLI knows only the configured address; point the URL at the running server.
  const url = server.url + new URL(m[1]).pathname;
  if (open) openRoom(server, url);
  return url;
}

/** The slug of a room URL (…/r/<slug>). */
function slugOf(roomUrl) {
  return new URL(roomUrl).pathname.split('/').filter(Boolean)[1];
}

/** Opens a room with `amphi room open SLUG` (a live room lets its waiters in). */
function openRoom(server, roomUrl) {
  return server.cli(['room', 'open', slugOf(roomUrl)]);
}

/** Closes a room with `amphi room close SLUG` (a live meeting ends). */
function closeRoom(server, roomUrl) {
  return server.cli(['room', 'close', slugOf(roomUrl)]);
}

module.exports = { startAmphi, addUser, addRoom, openRoom, closeRoom, slugOf, BIN, ROOT };
