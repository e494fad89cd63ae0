// Issue 4 (C3, C4): the chat and raised hands. Messages written before someone joins are there
// for them (the meeting's history); markup is shown as text and never runs; a link is a link.
// Hands are listed in the order raised, for the moderator, who lowers one: its owner is told.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { screenshot } = require('../lib/browser.js');
const { waitFor } = require('../lib/media.js');
const { roomScene, signIn, enterRoom, openPanel, peopleShown, chatShown } = require('../lib/rooms.js');

const OWNER = 'owner@example.org';
const PASSWORD = 'correct horse battery staple';
const HOSTILE = '<img src=x onerror="window.__xss=1;alert(1)">';
const LINK = 'https://example.org/docs?page=2';

test('chat history for a late joiner, HTML shown as text, links clickable; hands in order, lowered by the moderator', async (t) => {
  const dialogs = [];
  const { server, roomUrl, errors, browser } = await roomScene(t, 'Seminar', {
    owner: OWNER,
    password: PASSWORD,
    onPage: (page, who) => page.on('dialog', (d) => {
      dialogs.push(`${who}: ${d.message()}`);
      d.dismiss().catch(() => {});
    }),
  });

  // Cameras off: this test is about words, not video (three browsers stay light).
  const owner = await browser('Olivia');
  await signIn(owner.page, server.url, OWNER, PASSWORD);
  await enterRoom(owner.page, roomUrl, 'Olivia', { camera: false });
  const alice = await browser('Alice');
  await enterRoom(alice.page, roomUrl, 'Alice', { camera: false });
  await alice.page.getByRole('navigation', { name: 'Meeting controls' }).waitFor();

  // Alice writes three messages; the owner answers.
  const aliceChat = await openPanel(alice.page, 'Chat');
  const input = aliceChat.getByRole('textbox', { name: 'Message to everyone' });
  for (const text of [`Look: ${HOSTILE}`, `Notes at ${LINK}.`, 'line one\nline two']) {
    await input.fill(text);
    await input.press('Enter');
    await waitFor(async () => (await chatShown(alice.page)).some((m) => m.text === text.trim()), { timeoutMs: 5000, what: `"${text}" shown` });
  }
  // The owner, panel closed, sees an unread count on the Chat button.
  const ownerChatButton = owner.page.getByRole('navigation', { name: 'Meeting controls' }).getByRole('button', { name: /^Chat/ });
  await waitFor(async () => (await ownerChatButton.getAttribute('aria-label')) === 'Chat, 3 unread', { timeoutMs: 5000, what: 'the unread count' });
  const ownerChat = await openPanel(owner.page, 'Chat');
  await waitFor(async () => (await ownerChatButton.getAttribute('aria-label')) === 'Chat', { timeoutMs: 2000, what: 'unread cleared' });
  await ownerChat.getByRole('textbox', { name: 'Message to everyone' }).fill('Welcome everyone');
  await ownerChat.getByRole('button', { name: 'Send' }).click();

  // A late joiner sees the whole history, in order.
  const late = await browser('Laurent');
  await enterRoom(late.page, roomUrl, 'Laurent', { camera: false });
  await late.page.getByRole('navigation', { name: 'Meeting controls' }).waitFor();
  await openPanel(late.page, 'Chat');
  const shown = await waitFor(async () => {
    const m = await chatShown(late.page);
    return m.length === 4 ? m : null;
  }, { timeoutMs: 5000, what: 'the four messages of the history' });
  console.log(`# the late joiner's chat: ${JSON.stringify(shown.map((m) => [m.sender, m.text]))}`);
  assert.deepEqual(shown.map((m) => m.sender), ['Alice', 'Alice', 'Alice', 'Olivia']);
  assert.equal(shown[0].text, `Look: ${HOSTILE}`, 'the markup is shown as the characters typed');
  assert.deepEqual(shown[0].elements, [], 'no element made from a message\'s text');
  assert.equal(await late.page.locator('.chat-list img').count(), 0, 'no <img> in the chat');
  assert.deepEqual(shown[1].links, [{ href: LINK, rel: 'noopener noreferrer', target: '_blank', text: LINK }], 'the link (without the full stop) is a link');
  assert.equal(shown[2].text, 'line one\nline two');
  await late.page.getByRole('link', { name: LINK }).waitFor();
  assert.equal(await late.page.evaluate(() => window.__xss), undefined, 'nothing ran');
  await screenshot(late.page, 'rooms-chat-history');

  // Hands: Laurent raises his, then Alice hers. The owner sees them in that order, first.
  const ownerPeople = await openPanel(owner.page, 'People');
  await late.page.getByRole('button', { name: 'Raise hand' }).click();
  await waitFor(async () => (await late.page.getByRole('button', { name: 'Raise hand' }).getAttribute('aria-pressed')) === 'true', { timeoutMs: 3000, what: 'Laurent\'s hand button pressed' });
  await alice.page.getByRole('button', { name: 'Raise hand' }).click();
  const order = await waitFor(async () => {
    const people = await peopleShown(owner.page);
    return people.filter((p) => p.hand).length === 2 ? people : null;
  }, { timeoutMs: 5000, what: 'two raised hands in the owner\'s list' });
  console.log(`# the owner's people list: ${JSON.stringify(order)}`);
  assert.deepEqual(order.map((p) => [p.name, p.hand]), [['Laurent', true], ['Alice', true], ['Olivia (you)', false]]);
  await screenshot(owner.page, 'rooms-hands');

  // The owner lowers Laurent's hand: he is told who did it, and his button follows.
  await ownerPeople.getByRole('button', { name: 'Lower Laurent\'s hand' }).click();
  await late.page.locator('.notices').getByText('Olivia lowered your hand.').waitFor({ timeout: 5000 });
  await waitFor(async () => (await late.page.getByRole('button', { name: 'Raise hand' }).getAttribute('aria-pressed')) === 'false', { timeoutMs: 3000, what: 'Laurent\'s hand button released' });
  const after = await waitFor(async () => {
    const people = await peopleShown(owner.page);
    return people.filter((p) => p.hand).length === 1 ? people : null;
  }, { timeoutMs: 5000, what: 'one raised hand left' });
  assert.deepEqual(after[0], { name: 'Alice', hand: true, role: null }, 'Alice first now');
  // Alice lowers her own.
  await alice.page.getByRole('button', { name: 'Raise hand' }).click();
  await waitFor(async () => (await peopleShown(owner.page)).every((p) => !p.hand), { timeoutMs: 5000, what: 'no hand raised' });

  assert.deepEqual(dialogs, [], 'no dialog opened by a message');
  assert.deepEqual(errors, []);
});
