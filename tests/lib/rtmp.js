// A real RTMP server for tests: nginx with libnginx-mod-rtmp on 127.0.0.1, one process in the
// foreground (so a test can kill it and start it again on the same port), recording every
// published stream to a temp folder (`<key>-<unix time>.flv`); and ffprobe/ffmpeg checks of what
// it received. Fails (never skips) when nginx, its RTMP module or ffmpeg is missing:
// scripts/install-deps installs them.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const NGINX = '/usr/sbin/nginx';
const MODULE = '/usr/lib/nginx/modules/ngx_rtmp_module.so';

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function listening(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('connect', () => { socket.destroy(); resolve(true); });
    socket.on('error', () => resolve(false));
  });
}

/** Starts nginx-rtmp; returns { url, port, dir, recordings(), kill(), restart(), stop() }. */
async function startRtmp() {
  for (const f of [NGINX, MODULE]) if (!fs.existsSync(f)) throw new Error(`${f} missing: run scripts/install-deps (nginx, libnginx-mod-rtmp)`);
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amphi-rtmp-'));
  for (const sub of ['rec', 'logs', 'tmp']) fs.mkdirSync(path.join(dir, sub));
  fs.writeFileSync(path.join(dir, 'nginx.conf'), `load_module ${MODULE};
user root;
daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log info;
events { worker_connections 64; }
rtmp { server { listen 127.0.0.1:${port}; chunk_size 4096;
  application live { live on; record all; record_path ${dir}/rec; record_unique on; } } }
`);
  let child = null;
  async function restart() {
    child = spawn(NGINX, ['-p', dir, '-c', path.join(dir, 'nginx.conf')], { stdio: 'ignore' });
    for (let i = 0; i < 100; i += 1) {
      if (await listening(port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`nginx-rtmp did not listen on ${port}`);
  }
  function kill() {
    if (child) child.kill('SIGKILL');
    child = null;
  }
  await restart();
  return {
    port,
    dir,
    url: `rtmp://127.0.0.1:${port}/live`,
    restart,
    kill,
    stop() { kill(); if (!process.env.AMPHI_KEEP_RTMP) fs.rmSync(dir, { recursive: true, force: true }); },
    /** The received recordings, oldest first. */
    recordings() {
      const rec = path.join(dir, 'rec');
      return fs.readdirSync(rec).filter((f) => f.endsWith('.flv'))
        .map((f) => path.join(rec, f))
        .sort((a, b) => fs.statSync(a).mtimeMs - fs.statSync(b).mtimeMs);
    },
  };
}

/** ffprobe of a file: { codecs: ['h264', 'aac'], duration: seconds }. */
function probe(file) {
  const r = spawnSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name:format=duration', '-of', 'default=noprint_wrappers=1', file], { encoding: 'utf8' });
  if (r.error) throw new Error(`ffprobe: ${r.error.message} (scripts/install-deps installs ffmpeg)`);
  const codecs = [...r.stdout.matchAll(/^codec_name=(\S+)$/gm)].map((m) => m[1]);
  const d = /^duration=([\d.]+)$/m.exec(r.stdout);
  return { codecs, duration: d ? Number(d[1]) : 0 };
}

/** The average luma (0–255) of the file's frames, and how much it varies between frames. */
function luma(file) {
  const r = spawnSync('ffmpeg', ['-hide_banner', '-i', file, '-vf', 'signalstats,metadata=print:key=lavfi.signalstats.YAVG', '-an', '-f', 'null', '-'], { encoding: 'utf8' });
  const values = [...r.stderr.matchAll(/YAVG=([\d.]+)/g)].map((m) => Number(m[1]));
  if (!values.length) return { mean: 0, spread: 0, frames: 0 };
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return { mean, spread: Math.max(...values) - Math.min(...values), frames: values.length };
}

module.exports = { startRtmp, probe, luma };
