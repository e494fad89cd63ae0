// Issue 9 (C7) for webinars: polls reach the attendees of a live. The moderator, in the
// backstage of a live session, creates a poll and opens it; it opens by itself on two attendees'
// pages (one in English, one who switched the page to French and votes with the keyboard only);
// both vote and the moderator's counts are exact; a second ballot from the same attendee is
// refused by the server and counts nothing, as are an attendee's poll_create and poll_close;
// attendees never see counts before the results are published, then see them, exact.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { screenshot } = require('../lib/browser.js');
const { assertLocalesMatch } = require('../lib/locales.js');
const { waitFor } = require('../lib/media.js');
const { openPanel } = require('../lib/rooms.js');
const { webinarScene, startLive, sendRaw, errorFor, receivedCount } = require('../lib/webinar.js');

/** The counts shown on the first poll card, or null when it shows none. */
async function counts(page) {
  return page.evaluate(() => {
    const card = document.querySelector('.poll');
    if (!card || !card.querySelector('.poll-results')) return null;
    return [...card.querySelectorAll('.poll-result-count')].map((e) => Number(e.dataset.count));
  });
}

const countsAre = (page, expected, what) => waitFor(async () => JSON.stringify(await counts(page)) === JSON.stringify(expected),
  { timeoutMs: 8000, what });

test('the locales of polls and of the attendee page exist in French and English', () => {
  assertLocalesMatch('polls');
  assertLocalesMatch('webinar');
});

test('attendees of a live vote in a poll, counts exact, a second ballot refused, published results reach them', async (t) => {
  const scene = await webinarScene(t);
  const { session, moderator } = scene;

  // The moderator starts the live from the backstage, herself on stage.
  const mod = await scene.browser('Olivia');
  await startLive(mod.page, scene, moderator);

  // Two attendees (no account) on the session page; Bea switches it to French.
  const ann = await scene.browser('Ann');
  const bea = await scene.browser('Bea');
  for (const page of [ann.page, bea.page]) {
    await page.goto(session.url);
    await page.locator('#session[data-state="live"]').waitFor({ timeout: 15000 });
  }
  await bea.page.getByRole('combobox', { name: 'Language' }).selectOption('fr');
  const annButton = ann.page.locator('.webinar-header').getByRole('button', { name: 'Polls' });
  assert.equal(await annButton.getAttribute('aria-expanded'), 'false');
  await bea.page.locator('.webinar-header').getByRole('button', { name: 'Sondages' }).waitFor();

  // The moderator writes and opens a poll.
  const panel = await openPanel(mod.page, 'Polls');
  await panel.getByRole('textbox', { name: 'Question' }).fill('Which topic next?');
  await panel.getByRole('textbox', { name: 'Option 1' }).fill('Pricing');
  await panel.getByRole('textbox', { name: 'Option 2' }).fill('Roadmap');
  await panel.getByRole('button', { name: 'Create the poll' }).click();
  await panel.getByRole('button', { name: 'Open the poll' }).click();

  // It opens by itself on the attendees' pages, without counts and without the runner's form.
  const annPanel = ann.page.getByRole('complementary', { name: 'Polls' });
  await annPanel.getByRole('heading', { name: 'Which topic next?' }).waitFor({ timeout: 8000 });
  assert.equal(await annButton.getAttribute('aria-expanded'), 'true');
  const beaPanel = bea.page.getByRole('complementary', { name: 'Sondages' });
  await beaPanel.getByRole('heading', { name: 'Which topic next?' }).waitFor({ timeout: 8000 });
  assert.equal(await counts(ann.page), null, 'no counts for attendees before publishing');
  assert.equal(await annPanel.getByRole('button', { name: 'Create the poll' }).count(), 0);
  assert.equal(await annPanel.getByRole('button', { name: 'Close the poll' }).count(), 0);

  // Ann votes with the mouse.
  await annPanel.getByRole('radio', { name: 'Pricing' }).check();
  await annPanel.getByRole('button', { name: 'Vote' }).click();
  await annPanel.getByText('Your vote is counted.').waitFor({ timeout: 5000 });
  await countsAre(mod.page, [1, 0], "Ann's vote at the moderator's");
  assert.equal(await counts(ann.page), null, 'a vote shows no counts to the attendee');

  // Bea votes in French with the keyboard: focus the first answer, arrow to the second, Enter.
  await beaPanel.getByRole('radio', { name: 'Pricing' }).focus();
  await bea.page.keyboard.press('ArrowDown');
  assert.equal(await beaPanel.getByRole('radio', { name: 'Roadmap' }).isChecked(), true);
  await bea.page.keyboard.press('Tab');
  assert.equal(await bea.page.evaluate(() => document.activeElement?.textContent), 'Voter');
  await bea.page.keyboard.press('Enter');
  await beaPanel.getByText('Votre vote est compté.').waitFor({ timeout: 5000 });
  await countsAre(mod.page, [1, 1], "Bea's vote at the moderator's");

  // A second ballot from Ann, straight on her socket: refused, nothing counted.
  const pollId = await ann.page.locator('.poll').getAttribute('data-poll-id');
  const since = await receivedCount(ann.page);
  await sendRaw(ann.page, { type: 'poll_vote', poll_id: pollId, choices: [1] });
  const refused = await errorFor(ann.page, 'poll_vote', { since });
  assert.equal(refused.code, 'already_voted', JSON.stringify(refused));
  // Attendees vote only: creating or closing a poll is refused, and changes nothing.
  for (const message of [
    { type: 'poll_create', question: 'Mine?', options: ['a', 'b'], multiple: false, anonymous: false },
    { type: 'poll_close', poll_id: pollId },
  ]) {
    const from = await receivedCount(bea.page);
    await sendRaw(bea.page, message);
    assert.equal((await errorFor(bea.page, message.type, { since: from })).code, 'forbidden', message.type);
  }
  await new Promise((r) => setTimeout(r, 1000));
  assert.deepEqual(await counts(mod.page), [1, 1], 'the refused ballot counts nothing');
  assert.equal(await mod.page.locator('.poll').count(), 1, 'no poll made by an attendee');
  assert.equal(await mod.page.locator('.poll').getAttribute('data-state'), 'open');

  // Closed and published: the results reach both attendees, exact.
  await panel.getByRole('button', { name: 'Close the poll' }).click();
  await panel.getByRole('button', { name: 'Publish the results' }).click();
  await countsAre(ann.page, [1, 1], "published results at Ann's");
  await countsAre(bea.page, [1, 1], "published results at Bea's");
  assert.equal(await ann.page.locator('.poll-voters').textContent(), 'Voters: 2');
  assert.equal(await bea.page.locator('.poll-voters').textContent(), 'Votants : 2');
  assert.equal(await annPanel.getByText('Results published').count(), 1);
  await screenshot(ann.page, 'polls-webinar-attendee');

  // Escape closes the panel and gives the focus back to its button.
  await ann.page.locator('#panel-polls .panel-close').focus();
  await ann.page.keyboard.press('Escape');
  assert.equal(await annButton.getAttribute('aria-expanded'), 'false');
  assert.equal(await ann.page.evaluate(() => document.activeElement?.classList.contains('polls-button')), true);

  // An attendee who comes late sees the published results at once.
  await ann.page.reload();
  await ann.page.locator('#session[data-state="live"]').waitFor({ timeout: 15000 });
  await ann.page.locator('.webinar-header').getByRole('button', { name: 'Polls' }).click();
  await countsAre(ann.page, [1, 1], 'published results after a reload');
  assert.deepEqual(scene.errors, []);
});
