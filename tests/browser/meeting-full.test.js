// A full room says so clearly; the room speaks French to a French browser, every control is
// reachable by keyboard with a name, and devices switch in the room.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { startAmphi, addUser, addRoom } = require('../lib/amphi.js');
const { launch } = require('../lib/browser.js');
const { instrument, joinRoom, waitFor, tiles, flow } = require('../lib/media.js');
const { assertLocalesMatch } = require('../lib/locales.js');

test('the participant over the cap is told that the room is full', async (t) => {
  const server = await startAmphi({ env: { AMPHI_ROOMS_MAX_PARTICIPANTS: '1' } });
  t.after(() => server.stop());
  addUser(server, 'owner@example.org', 'correct horse battery staple');
  const roomUrl = addRoom(server, 'Small room', 'owner@example.org');

  const first = await launch();
  const second = await launch();
  t.after(async () => {
    await first.close();
    await second.close();
  });
  await joinRoom(await first.newPage(), roomUrl, 'Alice');
  const page = await second.newPage();
  await joinRoom(page, roomUrl, 'Bob').catch(() => {});
  const heading = page.getByRole('heading', { name: 'This room is full' });
  await heading.waitFor({ timeout: 5000 });
  assert.ok(await heading.isVisible());
  // The camera and microphone are released: nothing is captured for a room we are not in.
  const live = await page.evaluate(() => [...document.querySelectorAll('video')].filter((v) => v.srcObject).length);
  assert.equal(live, 0);
  // "Try again" goes back to the check page, with the name remembered.
  await page.getByRole('button', { name: 'Try again' }).click();
  await page.getByRole('button', { name: 'Join', exact: true }).waitFor({ timeout: 5000 });
  assert.equal(await page.getByLabel('Your name').inputValue(), 'Bob');
});

test('French for a French browser, switchable; keyboard reach; a device switch in the room', async (t) => {
  const server = await startAmphi();
  t.after(() => server.stop());
  addUser(server, 'owner@example.org', 'correct horse battery staple');
  const roomUrl = addRoom(server, 'Salle commune', 'owner@example.org');
  const ctx = await launch({ locale: 'fr-FR' });
  t.after(() => ctx.close());
  await instrument(ctx);
  const page = await ctx.newPage();
  await joinRoom(page, roomUrl, 'Zoé', { joinLabel: 'Rejoindre', nameLabel: 'Votre nom' });
  for (const name of ['Micro', 'Caméra', 'Partager l’écran', 'Quitter']) {
    assert.equal(await page.getByRole('button', { name, exact: true }).count(), 1, `button "${name}"`);
  }
  await page.getByRole('combobox', { name: 'Langue' }).selectOption('en');
  await page.getByRole('button', { name: 'Leave', exact: true }).waitFor({ timeout: 3000 });
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
  // Every control is reachable with the keyboard alone.
  const reached = new Set();
  for (let i = 0; i < 20; i++) {
    await page.keyboard.press('Tab');
    reached.add(await page.evaluate(() => document.activeElement?.getAttribute('aria-label') || document.activeElement?.textContent));
  }
  for (const name of ['Microphone', 'Camera', 'Share screen', 'Devices', 'Leave', 'Language', 'Enlarge Zoé']) {
    assert.ok(reached.has(name), `"${name}" reachable with Tab (reached: ${[...reached]})`);
  }
  // The device dialog lists the camera and microphone and switches without leaving.
  await page.getByRole('button', { name: 'Devices' }).click();
  const dialog = page.getByRole('dialog', { name: 'Devices' });
  await dialog.waitFor({ timeout: 2000 });
  const cameras = await dialog.getByRole('combobox', { name: 'Camera' }).locator('option').count();
  assert.ok(cameras >= 1, `cameras listed (${cameras})`);
  await dialog.getByRole('combobox', { name: 'Microphone' }).selectOption({ label: 'Fake Audio Input 1' });
  // The new microphone replaces the old one on the same sender, and audio keeps going out.
  const sent = () => page.evaluate(async () => {
    for (const pc of window.__pcs) {
      const sender = pc.getSenders().find((x) => x.track && x.track.kind === 'audio');
      if (!sender) continue;
      let bytes = 0;
      (await sender.getStats()).forEach((r) => { if (r.type === 'outbound-rtp') bytes = r.bytesSent; });
      return { label: sender.track.label, bytes };
    }
    return null;
  });
  const first = await waitFor(async () => {
    const x = await sent();
    return x && x.label === 'Fake Audio Input 1' ? x : null;
  }, { timeoutMs: 3000, what: 'the microphone switch' });
  await new Promise((r) => setTimeout(r, 1000));
  assert.ok((await sent()).bytes > first.bytes, 'audio still sent after the switch');
  await dialog.getByRole('button', { name: 'Close' }).click();
  await dialog.waitFor({ state: 'hidden', timeout: 2000 });
  // Every button has an accessible name.
  const unnamed = await page.evaluate(() => [...document.querySelectorAll('button')]
    .filter((b) => !(b.getAttribute('aria-label') || b.textContent.trim())).length);
  assert.equal(unnamed, 0);
});

test('joining with camera and microphone off: others see both off, then her media when she turns them on', async (t) => {
  const server = await startAmphi();
  t.after(() => server.stop());
  addUser(server, 'owner@example.org', 'correct horse battery staple');
  const roomUrl = addRoom(server, 'Quiet room', 'owner@example.org');
  const benCtx = await launch();
  const anaCtx = await launch();
  t.after(async () => {
    await benCtx.close();
    await anaCtx.close();
  });
  await instrument(benCtx);
  const ben = await benCtx.newPage();
  await joinRoom(ben, roomUrl, 'Ben');

  // Ana switches both off on the check page, then joins.
  const ana = await anaCtx.newPage();
  await ana.goto(roomUrl);
  await ana.getByLabel('Your name').fill('Ana');
  await ana.getByRole('button', { name: 'Camera' }).click();
  await ana.getByRole('button', { name: 'Microphone' }).click();
  assert.equal(await ana.getByRole('button', { name: 'Camera' }).getAttribute('aria-pressed'), 'false');
  await ana.getByRole('button', { name: 'Join', exact: true }).click();
  await ana.getByRole('navigation').waitFor();
  const anaTile = await waitFor(async () => (await tiles(ben)).find((x) => x.label === 'Ana'), { what: 'Ben to show Ana' });
  assert.ok(anaTile.noVideo && anaTile.micOffShown && anaTile.cameraOffShown, `Ana shown with camera and microphone off: ${JSON.stringify(anaTile)}`);

  await ana.getByRole('button', { name: 'Camera' }).click();
  await ana.getByRole('button', { name: 'Microphone' }).click();
  const on = Date.now();
  await waitFor(async () => {
    const f = (await flow(ben, 500)).Ana;
    return f && f.videoFrames > 0 && f.audioBytes > 0 && !f.micOffShown;
  }, { timeoutMs: 8000, what: 'Ben to receive Ana once she is on' });
  console.log(`# Ana's media reached Ben ${Date.now() - on} ms after she switched on`);
});

test('the room strings exist in both languages, with the same placeholders', () => {
  assertLocalesMatch('room');
});
