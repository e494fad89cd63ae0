// Issue 8 (S1–S3): a room streamed to a real RTMP server (nginx-rtmp on 127.0.0.1, recording to
// disk). The owner sets the RTMP URL and key in the back office (shown masked afterwards), two
// Chromium participants meet; the stream starts with the room, everyone sees "Stream: live".
// After 15 s the owner stops it: the received file is H.264 + AAC, 15 ± 2 s, not black. Started
// again it is a second stream; the RTMP server killed shows "retrying" and the stream resumes
// when it is back. The owner leaves: with the grace shortened to 5 s the stream stops by itself.
// The key never appears in the server's log, in pages or in the room list's JSON.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { screenshot } = require('../lib/browser.js');
const { roomScene, signIn, enterRoom } = require('../lib/rooms.js');
const { startRtmp, probe, luma } = require('../lib/rtmp.js');

const OWNER = 'owner@example.org';
const PASSWORD = 'correct horse battery staple';
const KEY = 'peertube-Live-8Jd3-kQ2w';

const indicator = (page) => page.locator('.stream-indicator');
async function streamSays(page, text, timeout = 30000) {
  await page.waitForFunction((want) => {
    const el = document.querySelector('.stream-indicator');
    return el && !el.hidden && el.textContent.includes(want);
  }, text, { timeout });
}

test('a room streams over RTMP: live, stop/start, retry after a drop, auto-stop; the key stays secret', { timeout: 240000 }, async (t) => {
  const rtmp = await startRtmp();
  t.after(() => rtmp.stop());
  const { server, roomUrl, errors, browser } = await roomScene(t, 'Town hall', {
    owner: OWNER,
    password: PASSWORD,
    media: true,
    env: {
      AMPHI_STREAMING_WIDTH: '640',
      AMPHI_STREAMING_HEIGHT: '360',
      AMPHI_STREAMING_FPS: '15',
      AMPHI_STREAMING_VIDEO_KBPS: '800',
      AMPHI_STREAMING_MODERATOR_GRACE_SECS: '5',
      AMPHI_STREAMING_RETRY_MIN_SECS: '1',
      AMPHI_STREAMING_RETRY_MAX_SECS: '2',
    },
  });
  const slug = new URL(roomUrl).pathname.split('/').pop();

  // S1: the owner sets the stream in the back office; the key is shown masked afterwards.
  const owner = await browser('Olivia');
  await signIn(owner.page, server.url, OWNER, PASSWORD);
  await owner.page.goto(`${server.url}/rooms/${slug}/settings`);
  await owner.page.getByRole('link', { name: 'Live stream (RTMP)' }).click();
  await owner.page.getByLabel('RTMP server URL').fill('ftp://wrong');
  await owner.page.getByLabel('Stream key').fill(KEY);
  await owner.page.getByRole('button', { name: 'Save' }).click();
  await owner.page.getByText('The URL must start with rtmp:// or rtmps://.').waitFor();
  await owner.page.getByLabel('RTMP server URL').fill(rtmp.url);
  await owner.page.getByLabel('Stream key').fill(KEY);
  await owner.page.getByRole('button', { name: 'Save' }).click();
  await owner.page.getByText('Stream settings saved.').waitFor();
  const settingsHtml = await owner.page.content();
  assert.ok(settingsHtml.includes('••••kQ2w'), 'the key is shown masked');
  assert.ok(!settingsHtml.includes(KEY), 'the key is never shown in full');

  // Two participants: the stream starts with the room and everyone sees it live.
  await enterRoom(owner.page, roomUrl, 'Olivia');
  const victor = await browser('Victor');
  await enterRoom(victor.page, roomUrl, 'Victor');
  for (const p of [owner.page, victor.page]) await streamSays(p, 'Stream: live');
  // 15 s of stream as the RTMP server counts it: from the moment it started recording.
  const fs = require('node:fs');
  const liveAt = fs.statSync(rtmp.recordings()[0]).birthtimeMs || Date.now();
  assert.equal(await victor.page.getByRole('button', { name: 'Stop stream' }).count(), 0, 'participants have no control');
  await screenshot(owner.page, 'streaming-live');

  // The room list shows it live too.
  const listPage = await owner.context.newPage();
  await listPage.goto(`${server.url}/rooms`);
  await listPage.waitForFunction(() => document.querySelector('[data-stream-room]')?.textContent.includes('live'), null, { timeout: 10000 });
  const json = await listPage.evaluate(async () => (await fetch('/rooms/streams.json')).text());
  assert.ok(json.includes('"state":"live"') && !json.includes('peertube-Live'), json);
  await listPage.close();

  // 15 s later the owner stops it: everyone is told who did.
  await owner.page.waitForTimeout(Math.max(0, 15000 - (Date.now() - liveAt)));
  await owner.page.getByRole('button', { name: 'Stop stream' }).click();
  for (const p of [owner.page, victor.page]) await streamSays(p, 'stopped by Olivia');
  await owner.page.waitForTimeout(1000);
  const first = rtmp.recordings();
  assert.equal(first.length, 1, `one stream received: ${first}`);
  const p1 = probe(first[0]);
  assert.ok(p1.codecs.includes('h264') && p1.codecs.includes('aac'), JSON.stringify(p1));
  assert.ok(Math.abs(p1.duration - 15) <= 2, `15 ± 2 s: ${p1.duration}`);
  const l1 = luma(first[0]);
  assert.ok(l1.frames > 100 && l1.mean > 16 && l1.spread > 1, `not black: ${JSON.stringify(l1)}`);

  // Started again: a second stream. Then the RTMP server dies: "retrying"; it comes back: live.
  await owner.page.getByRole('button', { name: 'Start stream' }).click();
  await streamSays(victor.page, 'Stream: live');
  await owner.page.waitForTimeout(4000);
  rtmp.kill();
  for (const p of [owner.page, victor.page]) await streamSays(p, 'retrying');
  await screenshot(victor.page, 'streaming-retrying');
  await rtmp.restart();
  for (const p of [owner.page, victor.page]) await streamSays(p, 'Stream: live');
  await owner.page.waitForTimeout(3000);
  assert.ok(rtmp.recordings().length >= 3, `the restart and the resume are new streams: ${rtmp.recordings()}`);

  // The last moderator leaves: 5 s later (the shortened grace) the stream stops by itself.
  await owner.page.close();
  await streamSays(victor.page, 'no moderator in the room', 20000);

  // The key is nowhere but in the RTMP push.
  assert.ok(!server.logs().includes(KEY), 'the key is in the server log');
  assert.ok(!(await victor.page.content()).includes(KEY));
  assert.deepEqual(errors, []);
});
