// Issue 9 (C7): live polls. The owner creates a poll and opens it; three browsers vote (the
// owner too) and the owner sees the counts arrive, exact; a voter who reloads is still counted
// once (the poll says so, no second ballot); closed and published, the results reach everyone.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { screenshot } = require('../lib/browser.js');
const { waitFor } = require('../lib/media.js');
const { roomScene, signIn, enterRoom, openPanel } = require('../lib/rooms.js');

const OWNER = 'owner@example.org';
const PASSWORD = 'correct horse battery staple';

/** The counts shown on the first poll card, or null when it shows none. */
async function counts(page) {
  return page.evaluate(() => {
    const card = document.querySelector('.poll');
    if (!card || !card.querySelector('.poll-results')) return null;
    return [...card.querySelectorAll('.poll-result-count')].map((e) => Number(e.dataset.count));
  });
}

async function vote(page, option) {
  const panel = await openPanel(page, 'Polls');
  await panel.getByRole('radio', { name: option }).check();
  await panel.getByRole('button', { name: 'Vote' }).click();
  await panel.getByText('Your vote is counted.').waitFor({ timeout: 5000 });
}

test('three browsers vote, counts exact, a reload does not vote twice, published results reach everyone', async (t) => {
  const { server, roomUrl, errors, browser } = await roomScene(t, 'Polls', { owner: OWNER, password: PASSWORD });
  const owner = await browser('Olivia');
  await signIn(owner.page, server.url, OWNER, PASSWORD);
  await enterRoom(owner.page, roomUrl, 'Olivia', { camera: false });
  const ann = await browser('Ann');
  await enterRoom(ann.page, roomUrl, 'Ann', { camera: false });
  const bob = await browser('Bob');
  await enterRoom(bob.page, roomUrl, 'Bob', { camera: false });

  const panel = await openPanel(owner.page, 'Polls');
  await panel.getByRole('textbox', { name: 'Question' }).fill('Where do we meet?');
  await panel.getByRole('textbox', { name: 'Option 1' }).fill('Paris');
  await panel.getByRole('textbox', { name: 'Option 2' }).fill('Lyon');
  await panel.getByRole('button', { name: 'Add an option' }).click();
  await panel.getByRole('textbox', { name: 'Option 3' }).fill('=HYPERLINK("x")');
  await panel.getByRole('button', { name: 'Create the poll' }).click();
  await panel.getByRole('button', { name: 'Open the poll' }).click();

  // Participants see it open, without counts.
  await (await openPanel(ann.page, 'Polls')).getByRole('heading', { name: 'Where do we meet?' }).waitFor({ timeout: 5000 });
  assert.equal(await counts(ann.page), null, 'no counts before publishing');

  await vote(ann.page, 'Paris');
  await waitFor(async () => JSON.stringify(await counts(owner.page)) === '[1,0,0]', { timeoutMs: 5000, what: "Ann's vote at the owner's" });
  await vote(bob.page, 'Lyon');
  await vote(owner.page, 'Paris');
  await waitFor(async () => JSON.stringify(await counts(owner.page)) === '[2,1,0]', { timeoutMs: 5000, what: 'three votes' });

  // Bob reloads: the poll says he voted; there is no ballot to send again.
  await enterRoom(bob.page, roomUrl, 'Bob', { camera: false });
  const bobPanel = await openPanel(bob.page, 'Polls');
  await bobPanel.getByText('Your vote is counted.').waitFor({ timeout: 5000 });
  assert.equal(await bobPanel.getByRole('button', { name: 'Vote' }).count(), 0);

  await panel.getByRole('button', { name: 'Close the poll' }).click();
  await panel.getByRole('button', { name: 'Publish the results' }).click();
  for (const page of [ann.page, bob.page]) {
    await waitFor(async () => JSON.stringify(await counts(page)) === '[2,1,0]', { timeoutMs: 5000, what: 'published results' });
  }
  const voters = await ann.page.locator('.poll-voters').textContent();
  assert.equal(voters, 'Voters: 3');
  await screenshot(ann.page, 'polls-published');

  // The export (signed-in owner): counts, and the formula-looking option neutralised.
  const href = await panel.getByRole('link', { name: 'Export (CSV)' }).getAttribute('href');
  const csv = await owner.page.evaluate(async (url) => (await fetch(url)).text(), href);
  console.log(`# CSV export:\n${csv}`);
  assert.match(csv, /Where do we meet\?,Paris,2\r\n/);
  assert.match(csv, /"'=HYPERLINK\(""x""\)",0\r\n/);
  const refused = await ann.page.evaluate(async (url) => (await fetch(url, { redirect: 'manual' })).status, href);
  assert.notEqual(refused, 200, 'a participant without an account cannot export');
  assert.deepEqual(errors, []);
});
