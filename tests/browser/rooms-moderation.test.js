// Issue 4 (C10): a moderator acts on a participant, who sees what was done and by whom.
// The owner mutes Bob's microphone: Bob is told, his microphone button shows muted and the
// others see him muted; the same for his camera. The owner makes him a moderator (he gets the room menu) and a
// participant again. Then the owner removes him (after confirming): Bob is told who did it,
// and coming back from the same browser he must knock, marked "removed earlier".
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { screenshot } = require('../lib/browser.js');
const { tiles, waitFor } = require('../lib/media.js');
const { roomScene, signIn, enterRoom, openPanel } = require('../lib/rooms.js');

const OWNER = 'owner@example.org';
const PASSWORD = 'correct horse battery staple';

test('moderation: mute seen with who did it, role changes, removal then a knock from the same browser', async (t) => {
  const { server, roomUrl, errors, browser } = await roomScene(t, 'Town hall', { owner: OWNER, password: PASSWORD, media: true });

  const owner = await browser('Olivia');
  await signIn(owner.page, server.url, OWNER, PASSWORD);
  await enterRoom(owner.page, roomUrl, 'Olivia', { camera: false });
  const bob = await browser('Bob');
  await enterRoom(bob.page, roomUrl, 'Bob', { camera: false });
  const bobMic = bob.page.getByRole('button', { name: 'Microphone', exact: true });
  await waitFor(async () => (await bobMic.getAttribute('aria-pressed')) === 'true', { timeoutMs: 3000, what: 'Bob\'s microphone on' });

  // The owner mutes Bob (once his microphone is published: the action shows only then).
  const panel = await openPanel(owner.page, 'People');
  await panel.getByRole('button', { name: 'Actions for Bob' }).click();
  const mute = panel.getByRole('button', { name: 'Mute Bob\'s microphone' });
  await mute.waitFor({ timeout: 10000 });
  const mutedAt = Date.now();
  await mute.click();
  await bob.page.locator('.notices').getByText('Olivia muted your microphone.').waitFor({ timeout: 5000 });
  await waitFor(async () => (await bobMic.getAttribute('aria-pressed')) === 'false', { timeoutMs: 3000, what: 'Bob\'s microphone button to show muted' });
  await waitFor(async () => (await tiles(owner.page)).find((x) => x.label === 'Bob')?.micOffShown, { timeoutMs: 3000, what: 'the owner to see Bob muted' });
  console.log(`# mute → Bob told and muted: ${Date.now() - mutedAt} ms`);
  await screenshot(bob.page, 'rooms-muted-by');
  // Only Bob can unmute himself.
  await bobMic.click();
  await waitFor(async () => !(await tiles(owner.page)).find((x) => x.label === 'Bob')?.micOffShown, { timeoutMs: 5000, what: 'the owner to see Bob unmuted' });

  // Bob turns his camera on; the owner stops it: Bob is told, and his camera is off here too.
  const bobCam = bob.page.getByRole('button', { name: 'Camera', exact: true });
  await bobCam.click();
  await waitFor(async () => (await bobCam.getAttribute('aria-pressed')) === 'true', { timeoutMs: 5000, what: 'Bob\'s camera on' });
  const stopCamera = panel.getByRole('button', { name: 'Stop Bob\'s camera' });
  await stopCamera.waitFor({ timeout: 10000 });
  await stopCamera.click();
  await bob.page.locator('.notices').getByText('Olivia stopped your camera.').waitFor({ timeout: 5000 });
  await waitFor(async () => (await bobCam.getAttribute('aria-pressed')) === 'false', { timeoutMs: 3000, what: 'Bob\'s camera button to show off' });
  await waitFor(async () => (await tiles(owner.page)).find((x) => x.label === 'Bob')?.cameraOffShown, { timeoutMs: 3000, what: 'the owner to see Bob\'s camera off' });
  assert.equal(await bob.page.evaluate(() => document.querySelector('.tile.local').classList.contains('no-video')), true, 'Bob\'s own tile shows no video');

  // A participant has no moderation controls; made a moderator, Bob gets the room menu.
  const bobMenu = bob.page.getByRole('button', { name: 'Manage the room' });
  assert.equal(await bobMenu.isVisible(), false, 'no room menu for a participant');
  await panel.getByRole('button', { name: 'Make Bob a moderator' }).click();
  await bob.page.locator('.notices').getByText('Olivia made you a moderator.').waitFor({ timeout: 5000 });
  await bobMenu.waitFor({ state: 'visible', timeout: 3000 });
  await panel.locator('.person', { hasText: 'Bob' }).getByText('Moderator').waitFor({ timeout: 3000 });
  await panel.getByRole('button', { name: 'Make Bob a participant' }).click();
  await bob.page.locator('.notices').getByText('Olivia made you a participant.').waitFor({ timeout: 5000 });
  await bobMenu.waitFor({ state: 'hidden', timeout: 3000 });

  // The owner removes Bob, after confirming; Bob is told who removed him.
  await panel.getByRole('button', { name: 'Remove Bob from the meeting' }).click();
  const dialog = owner.page.getByRole('dialog', { name: 'Remove Bob?' });
  await dialog.getByRole('button', { name: 'Remove Bob' }).click();
  await bob.page.getByRole('heading', { name: 'You were removed from the meeting' }).waitFor({ timeout: 5000 });
  await bob.page.locator('.end-page', { hasText: 'Olivia' }).waitFor({ timeout: 2000 });
  await screenshot(bob.page, 'rooms-removed');
  await panel.getByRole('heading', { name: 'In the meeting (1)' }).waitFor({ timeout: 5000 });

  // Bob comes back from the same browser (same client key), the waiting room being off: he knocks.
  await enterRoom(bob.page, roomUrl, 'Bob', { camera: false });
  await bob.page.getByRole('heading', { name: 'Waiting for a moderator to let you in' }).waitFor({ timeout: 5000 });
  const knock = panel.locator('.knock', { hasText: 'Bob' });
  await knock.getByText('removed earlier').waitFor({ timeout: 5000 });
  await screenshot(owner.page, 'rooms-removed-knocks');
  // The owner may let him in again.
  await panel.getByRole('button', { name: 'Admit Bob' }).click();
  await bob.page.getByRole('navigation', { name: 'Meeting controls' }).waitFor({ timeout: 5000 });
  assert.deepEqual(errors, []);
});
