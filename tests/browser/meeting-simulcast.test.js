// Simulcast: the camera goes out as three layers (q/h/f); a small tile gets the low layer and
// an enlarged one a higher layer, without a freeze in between.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { startAmphi, addUser, addRoom } = require('../lib/amphi.js');
const { launch } = require('../lib/browser.js');
const { instrument, joinRoom, inbound, outbound, waitFor, remoteTilesWithVideo, tiles } = require('../lib/media.js');

test('a small tile receives the low layer; enlarging it switches to a higher one without a freeze', async (t) => {
  const server = await startAmphi();
  t.after(() => server.stop());
  addUser(server, 'owner@example.org', 'correct horse battery staple');
  const roomUrl = addRoom(server, 'Team meeting', 'owner@example.org');

  const contexts = [];
  t.after(async () => {
    for (const c of contexts) await c.close();
  });
  const aliceCtx = await launch({ viewport: { width: 800, height: 600 } });
  const bobCtx = await launch({ viewport: { width: 480, height: 400 } });
  contexts.push(aliceCtx, bobCtx);
  await instrument(aliceCtx);
  await instrument(bobCtx);
  const alice = await aliceCtx.newPage();
  const bob = await bobCtx.newPage();
  await joinRoom(alice, roomUrl, 'Alice');
  await joinRoom(bob, roomUrl, 'Bob');

  const aliceTile = await waitFor(async () => (await remoteTilesWithVideo(bob)).find((x) => x.label === 'Alice'),
    { timeoutMs: 20000, what: 'Bob sees Alice' });
  // Alice really sends simulcast: at least the low and a higher layer (Chrome turns the top one
  // on when its bandwidth estimate allows).
  await waitFor(async () => (await outbound(alice)).filter((o) => o.kind === 'video' && o.framesEncoded > 0).length >= 2,
    { timeoutMs: 10000, what: 'Alice to encode two layers or more' });
  console.log(`# Alice sends: ${JSON.stringify((await outbound(alice)).filter((o) => o.kind === 'video'))}`);

  const width = async () => (await inbound(bob))[aliceTile.videoTrackId]?.frameWidth || 0;
  const small = await waitFor(async () => {
    const w = await width();
    return w > 0 && w <= 320 ? w : 0;
  }, { timeoutMs: 10000, what: `the low layer for a ${aliceTile.clientWidth}px tile` });
  console.log(`# tile ${aliceTile.clientWidth}px wide receives ${small}px frames`);

  // Enlarge: a bigger window and Alice pinned on the stage.
  await bob.setViewportSize({ width: 1280, height: 800 });
  await bob.getByRole('button', { name: 'Enlarge Alice' }).click();
  const enlargedAt = Date.now();
  const samples = [];
  let frames = (await inbound(bob))[aliceTile.videoTrackId].framesDecoded;
  const layers = async () => (await outbound(alice)).filter((o) => o.kind === 'video')
    .map((o) => `${o.rid}:${o.frameWidth}w/${o.framesEncoded}f/${o.keyFramesEncoded}kf/${o.pliCount}pli`).sort().join(' ');
  console.log(`# Alice's layers when Bob enlarges: ${await layers()}`);
  const big = await waitFor(async () => {
    const s = (await inbound(bob))[aliceTile.videoTrackId];
    samples.push({ t: Date.now() - enlargedAt, frames: s.framesDecoded - frames, w: s.frameWidth, kf: s.keyFramesDecoded });
    frames = s.framesDecoded;
    return s.frameWidth > 320 ? s.frameWidth : 0;
  }, { timeoutMs: 10000, intervalMs: 250, what: 'a higher layer after enlarging' });
  console.log(`# Alice's layers after the switch: ${await layers()}`);
  const shown = (await tiles(bob)).find((x) => x.label === 'Alice');
  console.log(`# enlarged to ${shown.clientWidth}px: ${big}px frames after ${Date.now() - enlargedAt} ms; samples ${JSON.stringify(samples)}`);

  // No freeze: frames keep being decoded in every half second around the switch.
  const after = [];
  for (let i = 0; i < 4; i++) {
    const a = (await inbound(bob))[aliceTile.videoTrackId].framesDecoded;
    await new Promise((r) => setTimeout(r, 500));
    after.push((await inbound(bob))[aliceTile.videoTrackId].framesDecoded - a);
  }
  console.log(`# frames per 500 ms after the switch: ${after}`);
  const stalls = samples.filter((s) => s.frames === 0).length;
  assert.ok(stalls <= 2, `at most 500 ms without a new frame during the switch (samples ${JSON.stringify(samples)})`);
  assert.ok(after.every((n) => n >= 3), `frames keep coming after the switch (${after})`);
  const freezes = (await inbound(bob))[aliceTile.videoTrackId].freezeCount;
  console.log(`# freezeCount ${freezes}`);
});
