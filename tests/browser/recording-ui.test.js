// Issue 7 (V1, V4, V8, W6): recording as people see it. The room's owner (a role with Record)
// starts recording: the participant sees the red indicator and hears the announcement (the
// aria-live region); the owner stops it: the participant is told. The library shows the
// recording processing, then ready, without a reload; its replay page plays the MP4 (the video
// element reaches readyState ≥ 2 and its time advances). Processing (a remux) takes about a
// second: the library polls every 2 s, so it may go from recording to ready directly.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { screenshot } = require('../lib/browser.js');
const { waitFor } = require('../lib/media.js');
const { roomScene, signIn, enterRoom } = require('../lib/rooms.js');

const OWNER = 'owner@example.org';
const PASSWORD = 'correct horse battery staple';

test('recording: indicator and announcement for everyone, then library and replay', async (t) => {
  const { server, roomUrl, browser } = await roomScene(t, 'Town hall', { owner: OWNER, password: PASSWORD, media: true });

  const owner = await browser('Olivia');
  await signIn(owner.page, server.url, OWNER, PASSWORD);
  await enterRoom(owner.page, roomUrl, 'Olivia');
  const bob = await browser('Bob');
  await enterRoom(bob.page, roomUrl, 'Bob', { camera: false });
  const indicator = bob.page.locator('.recording-indicator');
  assert.equal(await indicator.isVisible(), false, 'no indicator before recording');
  assert.equal(await bob.page.getByRole('button', { name: 'Record', exact: true }).count(), 0, 'a participant has no Record button');

  // The owner starts recording: Bob sees the indicator and hears who started it.
  const record = owner.page.getByRole('button', { name: 'Record', exact: true });
  await record.waitFor({ timeout: 10000 });
  const startedAt = Date.now();
  await record.click();
  await indicator.waitFor({ state: 'visible', timeout: 15000 });
  assert.equal((await indicator.textContent()).trim(), 'Recording');
  await waitFor(async () => (await bob.page.locator('#room-announcer').textContent()) === 'Olivia started recording.', { timeoutMs: 3000, what: 'the announcement' });
  console.log(`# record → participant sees the indicator: ${Date.now() - startedAt} ms`);
  await screenshot(bob.page, 'recording-indicator');

  // The library, open while recording: the line says so, and follows without a reload.
  const library = await browser('Olivia library');
  await signIn(library.page, server.url, OWNER, PASSWORD);
  await library.page.goto(`${server.url}/recordings`);
  const line = library.page.locator('tr.recording-line').first();
  await line.waitFor({ timeout: 5000 });
  const states = [await line.getAttribute('data-state')];
  assert.equal(states[0], 'recording', 'the library shows it recording');
  await new Promise((r) => setTimeout(r, 3000));

  // Then the owner stops: Bob is told.
  await owner.page.getByRole('button', { name: 'Stop recording' }).click();
  await indicator.waitFor({ state: 'hidden', timeout: 10000 });
  await waitFor(async () => (await bob.page.locator('#room-announcer').textContent()) === 'Recording has stopped.', { timeoutMs: 3000, what: 'the stop announcement' });

  const stoppedAt = Date.now();
  await waitFor(async () => {
    const s = await line.getAttribute('data-state');
    if (states[states.length - 1] !== s) states.push(s);
    return s === 'ready' || s === 'failed';
  }, { timeoutMs: 90000, intervalMs: 200, what: 'the recording to be ready' });
  console.log(`# library states seen: ${states.join(' → ')} (ready ${Date.now() - stoppedAt} ms after stop)`);
  assert.equal(states[states.length - 1], 'ready', `states ${states.join(', ')}`);
  assert.equal(await library.page.evaluate(() => performance.getEntriesByType('navigation').length), 1, 'no reload');
  assert.match(await line.locator('.recording-state').textContent(), /Ready/);
  assert.equal(await line.locator('.download-link').isVisible(), true, 'download offered once ready');
  await screenshot(library.page, 'recording-library');

  // The replay plays.
  const href = await line.locator('.watch-link').getAttribute('href');
  await library.page.goto(`${server.url}${href}`);
  const video = library.page.locator('#replay video');
  await video.waitFor({ timeout: 10000 });
  await waitFor(() => library.page.evaluate(() => document.querySelector('#replay video').readyState >= 2), { timeoutMs: 15000, what: 'the replay to load' });
  await library.page.evaluate(() => { const v = document.querySelector('#replay video'); v.muted = true; return v.play(); });
  const t0 = await library.page.evaluate(() => document.querySelector('#replay video').currentTime);
  await waitFor(async () => (await library.page.evaluate(() => document.querySelector('#replay video').currentTime)) > t0 + 1, { timeoutMs: 10000, what: 'the replay to play' });
  const duration = await library.page.evaluate(() => document.querySelector('#replay video').duration);
  console.log(`# replay duration ${duration.toFixed(1)} s`);
  assert.ok(duration > 3, `a replay of the seconds recorded (${duration} s)`);
  await screenshot(library.page, 'recording-replay');
});
