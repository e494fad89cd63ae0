// Issue 4 (R4): the waiting room, as people use it. The owner switches it on from the room
// menu; a guest knocks and waits; the owner sees a badge and the knock in the people panel and
// admits them: both then see each other's video. Two knock at once: "Admit all" lets both in.
// One more knocks and is denied: they are told so. Controls are found by role and name.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { screenshot } = require('../lib/browser.js');
const { remoteTilesWithVideo, waitFor } = require('../lib/media.js');
const { roomScene, signIn, enterRoom, openPanel } = require('../lib/rooms.js');

const OWNER = 'owner@example.org';
const PASSWORD = 'correct horse battery staple';

test('waiting room: a guest knocks and is admitted, admit all lets two in, a denied guest is told', async (t) => {
  const { server, roomUrl, errors, browser } = await roomScene(t, 'Clinic', { owner: OWNER, password: PASSWORD, media: true });

  // The owner signs in, joins, and switches the waiting room on from the room menu.
  const owner = await browser('Olivia');
  await signIn(owner.page, server.url, OWNER, PASSWORD);
  await enterRoom(owner.page, roomUrl, 'Olivia');
  const controls = owner.page.getByRole('navigation', { name: 'Meeting controls' });
  await controls.getByRole('button', { name: 'Manage the room' }).click();
  const waitingSwitch = owner.page.getByRole('switch', { name: 'Waiting room' });
  assert.equal(await waitingSwitch.getAttribute('aria-checked'), 'false', 'the waiting room starts off');
  await waitingSwitch.click();
  await waitFor(async () => (await waitingSwitch.getAttribute('aria-checked')) === 'true', { timeoutMs: 5000, what: 'the switch to show the waiting room on' });
  await owner.page.keyboard.press('Escape');

  // A guest knocks: they wait, and the owner sees one person knocking.
  const gus = await browser('Gus');
  const knockedAt = Date.now();
  await enterRoom(gus.page, roomUrl, 'Gus');
  await gus.page.getByRole('heading', { name: 'Waiting for a moderator to let you in' }).waitFor({ timeout: 5000 });
  assert.equal(await gus.page.getByRole('navigation', { name: 'Meeting controls' }).count(), 0, 'a knocking guest is not in the meeting');
  const peopleButton = controls.getByRole('button', { name: /^People/ });
  await waitFor(async () => /1 waiting to enter/.test(await peopleButton.getAttribute('aria-label')), { timeoutMs: 5000, what: 'the People button to count 1 knocking' });
  console.log(`# the owner sees the knock ${Date.now() - knockedAt} ms after Join`);
  await screenshot(gus.page, 'rooms-knocking');

  const panel = await openPanel(owner.page, 'People');
  await panel.getByRole('heading', { name: 'Waiting to enter (1)' }).waitFor();
  await screenshot(owner.page, 'rooms-lobby-one');
  const admittedAt = Date.now();
  await panel.getByRole('button', { name: 'Admit Gus' }).click();

  // Gus is in, and they see each other's video.
  await gus.page.getByRole('navigation', { name: 'Meeting controls' }).waitFor({ timeout: 5000 });
  for (const p of [owner, gus]) {
    await waitFor(async () => (await remoteTilesWithVideo(p.page)).length === 1, { timeoutMs: 20000, what: 'the other one\'s video' });
  }
  console.log(`# admitted to both videos playing: ${Date.now() - admittedAt} ms`);
  await panel.getByRole('heading', { name: 'Waiting to enter (0)' }).waitFor();
  await gus.page.getByRole('button', { name: 'Leave' }).click();
  await gus.context.close();

  // Two knock at once: Admit all lets both in.
  const dana = await browser('Dana');
  const eve = await browser('Eve');
  await Promise.all([enterRoom(dana.page, roomUrl, 'Dana', { camera: false }), enterRoom(eve.page, roomUrl, 'Eve', { camera: false })]);
  for (const p of [dana, eve]) await p.page.getByRole('heading', { name: 'Waiting for a moderator to let you in' }).waitFor({ timeout: 5000 });
  await panel.getByRole('heading', { name: 'Waiting to enter (2)' }).waitFor({ timeout: 5000 });
  await waitFor(async () => /2 waiting to enter/.test(await peopleButton.getAttribute('aria-label')), { timeoutMs: 3000, what: 'the badge to count 2' });
  assert.equal(await owner.page.locator('.knock-badge').textContent(), '2', 'the badge shows 2');
  await screenshot(owner.page, 'rooms-lobby-two');
  await panel.getByRole('button', { name: 'Admit all' }).click();
  for (const p of [dana, eve]) await p.page.getByRole('navigation', { name: 'Meeting controls' }).waitFor({ timeout: 5000 });
  await panel.getByRole('heading', { name: 'In the meeting (3)' }).waitFor({ timeout: 5000 });
  await eve.context.close();

  // Another knocks and is denied: the page says so, and stays without a way in.
  const finn = await browser('Finn');
  await enterRoom(finn.page, roomUrl, 'Finn', { camera: false });
  await finn.page.getByRole('heading', { name: 'Waiting for a moderator to let you in' }).waitFor({ timeout: 5000 });
  await panel.getByRole('button', { name: 'Deny Finn' }).click();
  await finn.page.getByRole('heading', { name: 'You were not let in' }).waitFor({ timeout: 5000 });
  await finn.page.locator('.end-page').getByText('A moderator declined your request to enter this room.').waitFor();
  await screenshot(finn.page, 'rooms-denied');
  await panel.getByRole('heading', { name: 'Waiting to enter (0)' }).waitFor();

  assert.deepEqual(errors, []);
});
