// External video by link (issue 9, C8) with real Chromium: a local HTTP server answers like a
// PeerTube instance (`/api/v1/videos/{id}`) and serves the MP4 it names (with Range); the
// moderator pastes the PeerTube watch link in the backstage, the server resolves it, the video
// goes on stage and plays in step in two attendees' browsers (within 1 s), and pauses for both.
// A link that is no video is refused with a message. Nothing here reaches the internet.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { waitFor } = require('../lib/media.js');
const { screenshot } = require('../lib/browser.js');
const { webinarScene, enterBackstage } = require('../lib/webinar.js');

const VIDEO_ID = '2f8a6c1e-7d3b-4b9e-9a41-5c6d7e8f9012';

/** A PeerTube-shaped server on 127.0.0.1 serving `mp4`; resolves with its base URL. */
function fakePeerTube(t, mp4) {
  const bytes = fs.readFileSync(mp4);
  const server = http.createServer((req, res) => {
    const base = `http://127.0.0.1:${server.address().port}`;
    if (req.url === `/api/v1/videos/${VIDEO_ID}`) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({
        uuid: VIDEO_ID, shortUUID: 'fK3x9', name: 'Launch film', isLive: false, duration: 40,
        files: [{ resolution: { id: 240, label: '240p' }, fileUrl: `${base}/static/web-videos/${VIDEO_ID}-240.mp4`, size: bytes.length }],
        streamingPlaylists: [],
      }));
      return;
    }
    if (req.url === `/static/web-videos/${VIDEO_ID}-240.mp4`) {
      const range = /bytes=(\d+)-(\d*)/.exec(req.headers.range || '');
      if (range) {
        const start = Number(range[1]);
        const end = range[2] ? Math.min(Number(range[2]), bytes.length - 1) : bytes.length - 1;
        res.writeHead(206, { 'content-type': 'video/mp4', 'accept-ranges': 'bytes', 'content-length': end - start + 1, 'content-range': `bytes ${start}-${end}/${bytes.length}` });
        res.end(bytes.subarray(start, end + 1));
      } else {
        res.writeHead(200, { 'content-type': 'video/mp4', 'accept-ranges': 'bytes', 'content-length': bytes.length });
        res.end(bytes);
      }
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"error":"not found"}');
  });
  t.after(() => server.close());
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${server.address().port}`)));
}

function videoState(page) {
  return page.evaluate(() => {
    const v = document.querySelector('.stage-content video.content-video');
    return v ? { time: v.currentTime, paused: v.paused, ready: v.readyState, src: v.currentSrc } : null;
  });
}

test('a PeerTube link plays in step for two attendees', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amphi-link-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const mp4 = path.join(dir, 'film.mp4');
  execFileSync('ffmpeg', ['-v', 'error', '-nostdin', '-y', '-f', 'lavfi', '-i', 'testsrc=duration=40:size=320x240:rate=25',
    '-f', 'lavfi', '-i', 'sine=duration=40', '-shortest', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-movflags', '+faststart', mp4]);
  const tube = await fakePeerTube(t, mp4);

  const scene = await webinarScene(t);
  const mod = await scene.browser('Olivia');
  await enterBackstage(mod.page, scene, scene.moderator);
  await mod.page.getByRole('button', { name: 'Start the live' }).click();
  await mod.page.locator('.live-banner', { hasText: /^LIVE$/ }).waitFor({ timeout: 10000 });
  const link = mod.page.getByLabel('Video link (MP4, WebM or PeerTube)');
  await link.waitFor({ timeout: 10000 });

  // A page that is no video is refused, with a message a person understands.
  await link.fill(`${tube}/about`);
  await mod.page.getByRole('button', { name: 'Show the video' }).click();
  await mod.page.getByRole('alert').filter({ hasText: 'This link is neither an MP4 or WebM file nor a PeerTube video.' }).waitFor({ timeout: 10000 });

  const a1 = await scene.browser('Attendee 1');
  await a1.page.goto(scene.session.url);
  await a1.page.locator('.attendee-live').waitFor({ timeout: 15000 });

  // The PeerTube watch link: the server finds its MP4 file, the stage shows it.
  await link.fill(`${tube}/w/${VIDEO_ID}`);
  await mod.page.getByRole('button', { name: 'Show the video' }).click();
  const ready = await waitFor(() => videoState(a1.page).then((v) => (v && v.ready >= 1 ? v : null)), { timeoutMs: 20000, what: 'the linked video on the attendee stage' });
  assert.equal(ready.src, `${tube}/static/web-videos/${VIDEO_ID}-240.mp4`);
  await mod.page.locator('.content-controls-name', { hasText: 'Launch film' }).waitFor();

  await mod.page.getByRole('button', { name: 'Play', exact: true }).click();
  await waitFor(() => videoState(a1.page).then((v) => v && !v.paused && v.time > 0.5), { timeoutMs: 15000, what: 'attendee 1 plays' });
  await new Promise((r) => setTimeout(r, 3000));
  const a2 = await scene.browser('Attendee 2');
  await a2.page.goto(scene.session.url);
  await waitFor(() => videoState(a2.page).then((v) => v && !v.paused && v.time > 0), { timeoutMs: 20000, what: 'attendee 2 plays' });
  await new Promise((r) => setTimeout(r, 1500)); // past the first drift check
  const [s1, s2] = [await videoState(a1.page), await videoState(a2.page)];
  assert.ok(Math.abs(s1.time - s2.time) <= 1, `attendee 1 at ${s1.time.toFixed(2)} s, attendee 2 at ${s2.time.toFixed(2)} s`);
  assert.ok(s2.time > 3, `attendee 2 joined the video where it was (${s2.time.toFixed(2)} s)`);
  await screenshot(a2.page, 'external-video-attendee');

  await mod.page.getByRole('button', { name: 'Pause', exact: true }).click();
  await waitFor(() => Promise.all([videoState(a1.page), videoState(a2.page)]).then(([x, y]) => x.paused && y.paused), { timeoutMs: 5000, what: 'both paused' });
  const [p1, p2] = [await videoState(a1.page), await videoState(a2.page)];
  assert.ok(Math.abs(p1.time - p2.time) <= 0.6, `paused at ${p1.time} and ${p2.time}`);
  assert.deepEqual(scene.errors, []);
});
