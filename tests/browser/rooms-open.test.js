// Issue 4 (R2): a closed room, as people meet it. A visitor arrives before the room is open and
// is told so; the owner arrives, sees the same page with "Open the room" and opens it from
// there; the visitor enters by themselves, on the same page (no reload, no navigation), and
// both see each other. Then the owner closes the room from the room menu (after a
// confirmation): the visitor is told who closed it.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { screenshot } = require('../lib/browser.js');
const { remoteTilesWithVideo, waitFor } = require('../lib/media.js');
const { roomScene, signIn, enterRoom, markPage, pageStillMarked } = require('../lib/rooms.js');

const OWNER = 'owner@example.org';
const PASSWORD = 'correct horse battery staple';

test('closed room: the visitor waits, the owner opens it from the waiting page, the visitor is in without reload; closing ends it', async (t) => {
  const { server, roomUrl, errors, browser } = await roomScene(t, 'Weekly review', { owner: OWNER, password: PASSWORD, open: false, media: true });

  // The visitor arrives first: the room is not open, and they may not open it.
  const victor = await browser('Victor');
  await enterRoom(victor.page, roomUrl, 'Victor');
  await victor.page.getByRole('heading', { name: 'This room is not open yet' }).waitFor({ timeout: 5000 });
  assert.equal(await victor.page.getByRole('button', { name: 'Open the room' }).count(), 0, 'a visitor has no Open button');
  await markPage(victor.page);
  let navigations = 0;
  victor.page.on('framenavigated', (frame) => {
    if (frame === victor.page.mainFrame()) navigations += 1;
  });
  await screenshot(victor.page, 'rooms-not-open-yet');

  // The owner arrives at the closed room and opens it from there.
  const owner = await browser('Olivia');
  await signIn(owner.page, server.url, OWNER, PASSWORD);
  await enterRoom(owner.page, roomUrl, 'Olivia');
  await owner.page.getByRole('heading', { name: 'This room is not open yet' }).waitFor({ timeout: 5000 });
  const openedAt = Date.now();
  await owner.page.getByRole('button', { name: 'Open the room' }).click();

  // Both are in: the visitor on the very same page.
  for (const p of [owner, victor]) await p.page.getByRole('navigation', { name: 'Meeting controls' }).waitFor({ timeout: 5000 });
  console.log(`# Open the room → the visitor's meeting shows: ${Date.now() - openedAt} ms`);
  assert.ok(await pageStillMarked(victor.page), 'the visitor\'s page was not reloaded');
  assert.equal(navigations, 0, 'the visitor\'s page did not navigate');
  for (const p of [owner, victor]) {
    await waitFor(async () => (await remoteTilesWithVideo(p.page)).length === 1, { timeoutMs: 20000, what: 'the other one\'s video' });
  }
  console.log(`# Open the room → both videos playing: ${Date.now() - openedAt} ms`);

  // A visitor has no room menu; the owner closes the room from theirs, after confirming.
  assert.equal(await victor.page.getByRole('button', { name: 'Manage the room' }).isVisible(), false, 'no room menu for a participant');
  await owner.page.getByRole('button', { name: 'Manage the room' }).click();
  await owner.page.getByRole('button', { name: 'Close the room' }).click();
  const dialog = owner.page.getByRole('dialog', { name: 'Close the room for everyone?' });
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await owner.page.waitForTimeout(300);
  assert.equal(await victor.page.getByRole('navigation', { name: 'Meeting controls' }).count(), 1, 'Cancel keeps the meeting');
  await owner.page.getByRole('button', { name: 'Manage the room' }).click();
  await owner.page.getByRole('button', { name: 'Close the room' }).click();
  await dialog.getByRole('button', { name: 'Close the room' }).click();

  await victor.page.getByRole('heading', { name: 'The meeting has ended' }).waitFor({ timeout: 5000 });
  await victor.page.locator('.end-page').getByText('Olivia closed the room.').waitFor();
  await owner.page.getByRole('heading', { name: 'The meeting has ended' }).waitFor({ timeout: 5000 });
  await owner.page.locator('.end-page').getByText('You closed the room.').waitFor();
  await screenshot(victor.page, 'rooms-meeting-ended');
  assert.deepEqual(errors, []);
});
