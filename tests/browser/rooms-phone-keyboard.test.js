// Issue 4 on a phone, with the keyboard only: the owner (390 × 800) switches the waiting room
// on from the room menu (Enter, Space, Escape; the focus goes where a person expects it); a
// knock nobody answers expires and the guest is told; switching the waiting room off lets in
// whoever is knocking; the chat panel covers the phone's screen, sends with Enter and closes
// with Escape, giving the focus back to its button.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { screenshot } = require('../lib/browser.js');
const { waitFor } = require('../lib/media.js');
const { roomScene, signIn, enterRoom, chatShown } = require('../lib/rooms.js');

const OWNER = 'owner@example.org';
const PASSWORD = 'correct horse battery staple';
const KNOCK_TIMEOUT_SECS = 3;

/** The accessible name (or text) of the focused element. */
const focused = (page) => page.evaluate(() => {
  const el = document.activeElement;
  return el ? (el.getAttribute('aria-label') || el.getAttribute('role') || el.tagName.toLowerCase()) : null;
});

test('phone and keyboard: waiting room switched by keyboard, a knock expires, switching off admits, chat as an overlay', async (t) => {
  const { server, roomUrl, errors, browser } = await roomScene(t, 'Front desk', { owner: OWNER, password: PASSWORD, env: { AMPHI_ROOMS_KNOCK_TIMEOUT_SECS: String(KNOCK_TIMEOUT_SECS) } });

  const owner = await browser('Olivia', { width: 390, height: 800 });
  await signIn(owner.page, server.url, OWNER, PASSWORD);
  await enterRoom(owner.page, roomUrl, 'Olivia', { camera: false });
  const { page } = owner;

  // The room menu, by keyboard: Enter opens it on the switch, Space turns it on, Escape closes.
  const menuButton = page.getByRole('button', { name: 'Manage the room' });
  const waitingSwitch = page.getByRole('switch', { name: 'Waiting room' });
  await menuButton.focus();
  await page.keyboard.press('Enter');
  assert.equal(await menuButton.getAttribute('aria-expanded'), 'true');
  assert.equal(await focused(page), 'switch', 'the focus is on the switch');
  await page.keyboard.press('Space');
  await waitFor(async () => (await waitingSwitch.getAttribute('aria-checked')) === 'true', { timeoutMs: 5000, what: 'the waiting room on' });
  await screenshot(page, 'rooms-phone-menu');
  await page.keyboard.press('Escape');
  assert.equal(await menuButton.getAttribute('aria-expanded'), 'false');
  assert.equal(await focused(page), 'Manage the room', 'the focus is back on the menu button');

  // A knock nobody answers expires; the guest is told.
  const kim = await browser('Kim');
  await enterRoom(kim.page, roomUrl, 'Kim', { camera: false });
  await kim.page.getByRole('heading', { name: 'Waiting for a moderator to let you in' }).waitFor({ timeout: 5000 });
  const knockedAt = Date.now();
  await kim.page.getByRole('heading', { name: 'Nobody let you in' }).waitFor({ timeout: (KNOCK_TIMEOUT_SECS + 5) * 1000 });
  console.log(`# knock expired after ${Date.now() - knockedAt} ms (timeout ${KNOCK_TIMEOUT_SECS} s)`);
  await kim.context.close();

  // Someone knocks; switching the waiting room off lets them in.
  const lea = await browser('Lea');
  await enterRoom(lea.page, roomUrl, 'Lea', { camera: false });
  await lea.page.getByRole('heading', { name: 'Waiting for a moderator to let you in' }).waitFor({ timeout: 5000 });
  await menuButton.focus();
  await page.keyboard.press('Enter');
  await page.keyboard.press('Space');
  await lea.page.getByRole('navigation', { name: 'Meeting controls' }).waitFor({ timeout: 5000 });
  await waitFor(async () => (await waitingSwitch.getAttribute('aria-checked')) === 'false', { timeoutMs: 5000, what: 'the waiting room off' });
  await page.keyboard.press('Escape');

  // The chat on a phone: an overlay over the whole screen; Enter sends; Escape closes.
  const chatButton = page.getByRole('button', { name: /^Chat/ });
  await chatButton.focus();
  await page.keyboard.press('Enter');
  const panel = page.getByRole('complementary', { name: 'Chat' });
  await panel.waitFor();
  const box = await panel.boundingBox();
  assert.ok(box.x <= 1 && box.width >= 389 && box.height >= 700, `the panel covers the screen: ${JSON.stringify(box)}`);
  assert.equal(await focused(page), 'textarea', 'the focus is in the message box');
  await page.keyboard.type('Hello from my phone');
  await page.keyboard.press('Enter');
  await waitFor(async () => (await chatShown(lea.page)).some((m) => m.sender === 'Olivia' && m.text === 'Hello from my phone'),
    { timeoutMs: 5000, what: 'Lea to get the message' });
  await screenshot(page, 'rooms-phone-chat');
  await page.keyboard.press('Escape');
  await panel.waitFor({ state: 'hidden' });
  assert.equal(await focused(page), 'Chat', 'the focus is back on the Chat button');
  assert.deepEqual(errors, []);
});
