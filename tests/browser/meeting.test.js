// "Meet in the browser": three headless Chromium participants in one room, through the real
// server and SFU. Each must decode both others' video and receive their audio; muting, screen
// sharing and leaving must be seen by the others.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { startAmphi, addUser, addRoom } = require('../lib/amphi.js');
const { launch, screenshot } = require('../lib/browser.js');
const { instrument, joinRoom, tiles, flow, waitFor, remoteTilesWithVideo, toneFile } = require('../lib/media.js');

const NAMES = ['Alice', 'Bob', 'Carol'];

test('three participants see and hear each other; mute, screen share and leave are seen by the others', async (t) => {
  const server = await startAmphi();
  t.after(() => server.stop());
  addUser(server, 'owner@example.org', 'correct horse battery staple');
  const roomUrl = addRoom(server, 'Team meeting', 'owner@example.org');

  const people = [];
  t.after(async () => {
    for (const p of people) await p.context.close();
  });
  // Carol's microphone plays a steady tone (the default fake one only beeps): she is the one who speaks.
  const tone = toneFile();
  t.after(() => tone.remove());
  for (const name of NAMES) {
    const extraArgs = name === 'Carol' ? [`--use-file-for-fake-audio-capture=${tone.path}`] : [];
    const context = await launch({ viewport: { width: 960, height: 640 }, extraArgs });
    await instrument(context);
    const page = await context.newPage();
    page.on('pageerror', (e) => console.log(`[${name} pageerror]`, e.message));
    people.push({ name, context, page });
  }

  // Everyone joins; we time from pressing Join to the first decoded frame of every other participant.
  const joinTimes = {};
  for (const p of people) {
    const started = Date.now();
    await joinRoom(p.page, roomUrl, p.name);
    p.joinedAt = started;
  }
  for (const p of people) {
    await waitFor(async () => (await remoteTilesWithVideo(p.page)).length === 2,
      { timeoutMs: 20000, what: `${p.name} to show both others' video` });
    joinTimes[p.name] = Date.now() - p.joinedAt;
  }
  // The last one in measures a clean join-to-first-frame (the others waited for people to arrive).
  console.log(`# join-to-video (ms, until both others' video plays): ${JSON.stringify(joinTimes)}`);

  // Media flows both ways between every pair: frames decoded and audio bytes grow.
  for (const p of people) {
    const f = await flow(p.page, 2000);
    console.log(`# ${p.name} receives over 2 s: ${JSON.stringify(f)}`);
    const others = NAMES.filter((n) => n !== p.name);
    for (const other of others) {
      const r = f[other];
      assert.ok(r, `${p.name} has a tile for ${other}: ${JSON.stringify(Object.keys(f))}`);
      assert.ok(r.videoFrames >= 10, `${p.name} decodes ${other}'s video (${r.videoFrames} frames in 2 s)`);
      assert.ok(r.videoWidth > 0, `${p.name} shows ${other}'s video (videoWidth ${r.videoWidth})`);
      assert.ok(r.audioBytes > 1000, `${p.name} receives ${other}'s audio (${r.audioBytes} bytes in 2 s)`);
      assert.equal(r.micOffShown, false, `${p.name} sees ${other}'s microphone as on`);
    }
  }
  const shot = await screenshot(people[0].page, 'meeting-3-people');
  console.log(`# screenshot: ${shot}`);

  // Alice mutes: the others see it, and her audio stops arriving.
  const [alice, bob, carol] = people;
  const aliceMic = alice.page.getByRole('button', { name: 'Microphone' });
  await aliceMic.click();
  await waitFor(async () => (await aliceMic.getAttribute('aria-pressed')) === 'false', { timeoutMs: 2000, what: 'the button to show the mute' });
  for (const p of [bob, carol]) {
    await p.page.locator('.tile', { hasText: 'Alice' }).getByRole('img', { name: 'Microphone off' })
      .waitFor({ state: 'visible', timeout: 3000 });
  }
  await new Promise((r) => setTimeout(r, 500));
  for (const p of [bob, carol]) {
    const f = await flow(p.page, 2000);
    assert.ok(f.Alice.audioPackets <= 2, `${p.name} gets no audio from muted Alice (${f.Alice.audioPackets} packets, ${f.Alice.audioBytes} bytes in 2 s)`);
    assert.ok(f.Alice.micOffShown, `${p.name} shows Alice muted`);
    assert.ok(f.Bob ? f.Bob.audioBytes > 1000 : f.Carol.audioBytes > 1000, `${p.name} still hears the other one`);
  }
  // And unmutes: the audio is back.
  await alice.page.getByRole('button', { name: 'Microphone' }).click();
  await waitFor(async () => (await flow(bob.page, 1000)).Alice.audioBytes > 500, { timeoutMs: 5000, what: 'Alice audible again at Bob' });

  // Carol turns her camera off: the others show her initials instead of video; and back on.
  const carolCam = carol.page.getByRole('button', { name: 'Camera' });
  await carolCam.click();
  await waitFor(async () => (await carolCam.getAttribute('aria-pressed')) === 'false', { timeoutMs: 2000, what: 'the camera button to show off' });
  for (const p of [alice, bob]) {
    await waitFor(async () => {
      const tile = (await tiles(p.page)).find((x) => x.label === 'Carol');
      return tile?.noVideo && tile.cameraOffShown;
    }, { timeoutMs: 3000, what: `${p.name} to show Carol's camera off` });
  }
  await carolCam.click();
  for (const p of [alice, bob]) {
    await waitFor(async () => {
      const f = (await flow(p.page, 500)).Carol;
      const tile = (await tiles(p.page)).find((x) => x.label === 'Carol');
      return f && f.videoFrames > 0 && !tile.noVideo && !tile.cameraOffShown;
    }, { timeoutMs: 5000, what: `${p.name} to show Carol's video again` });
  }

  // Carol, who speaks, is highlighted as the active speaker for the others.
  for (const p of [alice, bob]) {
    await waitFor(async () => (await tiles(p.page)).find((x) => x.label === 'Carol')?.speaking,
      { timeoutMs: 5000, what: `${p.name} to highlight Carol as the active speaker` });
  }

  // Bob shares his screen: Alice and Carol decode it, shown large.
  await bob.page.getByRole('button', { name: 'Share screen' }).click();
  await bob.page.getByRole('button', { name: 'Stop sharing' }).waitFor({ timeout: 5000 });
  for (const p of [alice, carol]) {
    const screenTile = await waitFor(async () => (await tiles(p.page)).find((x) => x.screen && x.videoWidth > 0),
      { timeoutMs: 10000, what: `${p.name} to show Bob's screen` });
    assert.match(screenTile.label, /Bob/);
    const stats = await p.page.evaluate(() => document.querySelector('.stage .tile-screen video').clientWidth);
    assert.ok(stats > 400, `${p.name} shows the screen large (${stats} px wide)`);
    const frames = await framesOf(p.page, screenTile.videoTrackId, 2000);
    console.log(`# ${p.name} decodes Bob's screen: ${screenTile.videoWidth}x${screenTile.videoHeight}, ${frames} frames in 2 s`);
    assert.ok(frames >= 2, `${p.name} decodes Bob's screen (${frames} frames in 2 s)`);
  }
  await screenshot(alice.page, 'meeting-screen-share');
  await bob.page.getByRole('button', { name: 'Stop sharing' }).click();
  for (const p of [alice, carol]) {
    await waitFor(async () => !(await tiles(p.page)).some((x) => x.screen), { timeoutMs: 3000, what: `${p.name}: Bob's screen gone` });
  }

  // Carol leaves: her tile disappears from the others within 2 s.
  const leftAt = Date.now();
  await carol.page.getByRole('button', { name: 'Leave' }).click();
  await carol.page.getByRole('heading', { name: 'You left the meeting' }).waitFor({ timeout: 2000 });
  for (const p of [alice, bob]) {
    await waitFor(async () => !(await tiles(p.page)).some((x) => x.label === 'Carol'), { timeoutMs: 2000, intervalMs: 100, what: `${p.name}: Carol's tile removed` });
  }
  console.log(`# Carol's tile removed everywhere ${Date.now() - leftAt} ms after Leave`);

  // Bob closes his tab: that is leaving too (not a drop that keeps his tile for the 30 s grace).
  const closedAt = Date.now();
  await bob.page.close({ runBeforeUnload: true });
  await waitFor(async () => !(await tiles(alice.page)).some((x) => x.label === 'Bob'), { timeoutMs: 2000, intervalMs: 100, what: "Alice: Bob's tile removed after he closed his tab" });
  console.log(`# Bob's tile removed ${Date.now() - closedAt} ms after he closed his tab`);
});

/** Frames decoded for one received track over `ms`. */
async function framesOf(page, trackId, ms) {
  const read = () => page.evaluate(async (id) => {
    for (const pc of window.__pcs) {
      if (pc.connectionState === 'closed') continue;
      let n = null;
      (await pc.getStats()).forEach((r) => {
        if (r.type === 'inbound-rtp' && r.trackIdentifier === id) n = r.framesDecoded || 0;
      });
      if (n !== null) return n;
    }
    return 0;
  }, trackId);
  const a = await read();
  await new Promise((r) => setTimeout(r, ms));
  return (await read()) - a;
}
