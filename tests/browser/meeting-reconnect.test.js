// A network drop or a server restart: the client reconnects by itself (resume_token, backoff),
// without a second check page, and media flows again within 5 s.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { startAmphi, addUser, addRoom } = require('../lib/amphi.js');
const { launch } = require('../lib/browser.js');
const { instrument, joinRoom, flow, waitFor, remoteTilesWithVideo, cutConnections, tiles } = require('../lib/media.js');

async function twoPeople(t, roomUrl) {
  const people = [];
  t.after(async () => {
    for (const p of people) await p.context.close();
  });
  for (const name of ['Alice', 'Bob']) {
    const context = await launch({ viewport: { width: 800, height: 600 } });
    await instrument(context);
    const page = await context.newPage();
    page.on('pageerror', (e) => console.log(`[${name} pageerror]`, e.message));
    people.push({ name, context, page });
    await joinRoom(page, roomUrl, name);
  }
  for (const p of people) {
    await waitFor(async () => (await remoteTilesWithVideo(p.page)).length === 1, { timeoutMs: 20000, what: `${p.name} sees the other` });
  }
  return people;
}

/** Waits until both see and hear each other with fresh media; returns the time it took. */
async function backTogether(people, since, what) {
  for (const p of people) {
    const other = people.find((o) => o !== p).name;
    await waitFor(async () => {
      const f = (await flow(p.page, 400))[other];
      return f && f.videoFrames > 0 && f.videoWidth > 0 && f.audioBytes > 0;
    }, { timeoutMs: 15000, intervalMs: 50, what: `${p.name} receives ${other} again after ${what}` });
  }
  return Date.now() - since;
}

test('a participant whose connections are cut is back, media flowing, within 5 s', async (t) => {
  const server = await startAmphi();
  t.after(() => server.stop());
  addUser(server, 'owner@example.org', 'correct horse battery staple');
  const roomUrl = addRoom(server, 'Team meeting', 'owner@example.org');
  const people = await twoPeople(t, roomUrl);
  const [alice, bob] = people;
  const bobIdBefore = (await tiles(alice.page)).find((x) => x.label === 'Bob').participantId;

  // Record whether the "reconnecting" banner shows, however briefly.
  await bob.page.evaluate(() => {
    const banner = document.querySelector('.banner');
    window.__bannerSeen = [];
    new MutationObserver(() => {
      if (!banner.hidden) window.__bannerSeen.push(banner.textContent);
    }).observe(banner, { attributes: true, childList: true, characterData: true, subtree: true });
  });
  const cutAt = Date.now();
  await cutConnections(bob.page);
  const took = await backTogether(people, cutAt, 'the cut');
  console.log(`# back together ${took} ms after the cut`);
  assert.ok(took < 5000, `media flows both ways again within 5 s (took ${took} ms)`);

  // The same participant came back (resume_token), with no check page in between.
  assert.equal(await bob.page.locator('.check').count(), 0, 'no second check page');
  const bobIdAfter = (await tiles(alice.page)).find((x) => x.label === 'Bob').participantId;
  assert.equal(bobIdAfter, bobIdBefore, 'Bob resumed as the same participant');
  assert.equal((await tiles(alice.page)).filter((x) => x.label === 'Bob').length, 1, 'one tile for Bob');
  const seen = await bob.page.evaluate(() => window.__bannerSeen);
  assert.ok(seen.includes('Connection lost. Reconnecting…'), `the reconnecting state was shown (${JSON.stringify(seen)})`);
  assert.equal(await bob.page.locator('.banner').isHidden(), true, 'the reconnecting banner is gone');
});

test('after a server restart, both participants are back within 5 s', async (t) => {
  const first = await startAmphi();
  let second = null;
  t.after(async () => {
    await first.stop();
    if (second) await second.stop();
  });
  addUser(first, 'owner@example.org', 'correct horse battery staple');
  const roomUrl = addRoom(first, 'Team meeting', 'owner@example.org');
  const people = await twoPeople(t, roomUrl);

  // Same address, same data folder: kill the process (not stop(): that deletes the folder).
  const dataCopy = fs.mkdtempSync(`${first.dataDir}-restart-`);
  const exited = new Promise((r) => first.process.once('exit', r));
  const killedAt = Date.now();
  first.process.kill('SIGKILL');
  await exited;
  fs.cpSync(first.dataDir, dataCopy, { recursive: true });
  second = await startAmphi({ env: { AMPHI_HTTP_LISTEN: new URL(first.url).host, AMPHI_DATA_DIR: dataCopy } });
  const upAt = Date.now();
  console.log(`# server restarted in ${upAt - killedAt} ms`);
  t.after(() => fs.rmSync(dataCopy, { recursive: true, force: true }));

  const took = await backTogether(people, upAt, 'the restart');
  console.log(`# back together ${took} ms after the server was up again`);
  assert.ok(took < 5000, `media flows both ways within 5 s of the restart (took ${took} ms)`);
  for (const p of people) assert.equal(await p.page.locator('.check').count(), 0, `${p.name}: no second check page`);
});
