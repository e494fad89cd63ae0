// Helpers for the organised-room tests (issue 4): sign in as a person does, enter a room whose
// join may be held (closed room, waiting room), and read the people panel and the chat as a
// screen reader would (roles and accessible names).
'use strict';
const { startAmphi, addUser, addRoom } = require('./amphi.js');
const { browserSet } = require('./browser.js');
const { instrument } = require('./media.js');

/**
 * The stage of an organised-room test: a server, its owner's account and one room, and
 * `browser(who, viewport)` opening browsers that close when the test ends. Every page error
 * lands in `errors` (tests assert it stays empty). `media`: instrument pages for video checks;
 * `onPage(page, who)`: more listeners per page.
 */
async function roomScene(t, roomName, { owner, password, env = {}, open = true, media = false, onPage } = {}) {
  const server = await startAmphi({ env });
  t.after(() => server.stop());
  addUser(server, owner, password);
  const roomUrl = addRoom(server, roomName, owner, { open });
  const { errors, open: launchFor } = browserSet(t, { prepare: media ? instrument : null, onPage });
  const browser = (who, viewport = { width: 1000, height: 680 }) => launchFor(who, { viewport });
  return { server, roomUrl, errors, browser };
}

/** Signs in through /signin in this page's browser context (the cookie then goes to the room). */
async function signIn(page, serverUrl, email, password) {
  await page.goto(`${serverUrl}/signin`);
  await page.getByRole('textbox', { name: 'E-mail address' }).fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'My rooms', level: 1 }).waitFor();
}

/**
 * Opens the room page, fills the check page and presses Join, without waiting for the meeting:
 * the join may be held. Resolves when the server answered (meeting, waiting screen or end page).
 */
async function enterRoom(page, roomUrl, name, { camera = true } = {}) {
  await page.goto(roomUrl);
  await page.getByLabel('Your name').fill(name);
  await page.waitForFunction(() => {
    const v = document.querySelector('.preview-video');
    return v && v.videoWidth > 0;
  }, null, { timeout: 10000 });
  if (!camera) await page.getByRole('button', { name: 'Camera', exact: true }).click();
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  await page.locator('.meeting, .waiting-page, .end-page').first().waitFor({ timeout: 10000 });
}

/** Opens a side panel from the toolbar ("Chat", "People") unless it is open. */
async function openPanel(page, name) {
  const button = page.getByRole('navigation', { name: 'Meeting controls' }).getByRole('button', { name: new RegExp(`^${name}`) });
  if ((await button.getAttribute('aria-expanded')) !== 'true') await button.click();
  return page.getByRole('complementary', { name });
}

/** The people panel's list of participants, in the order shown: [{name, hand, role}]. */
async function peopleShown(page) {
  return page.evaluate(() => [...document.querySelectorAll('.participants .person')].map((li) => ({
    name: li.querySelector('.person-name')?.textContent ?? '',
    hand: li.classList.contains('hand-up'),
    role: li.querySelector('.mark')?.textContent ?? null,
  })));
}

/** The chat as shown: [{sender, text, links: [{href, rel, target}], imgs}] oldest first. */
async function chatShown(page) {
  return page.evaluate(() => [...document.querySelectorAll('.chat-list .chat-message')].map((li) => ({
    sender: li.querySelector('.chat-sender')?.textContent ?? '',
    text: li.querySelector('.chat-text')?.textContent ?? '',
    links: [...li.querySelectorAll('a')].map((a) => ({ href: a.getAttribute('href'), rel: a.rel, target: a.target, text: a.textContent })),
    elements: [...li.querySelectorAll('.chat-text *')].map((e) => e.tagName.toLowerCase()),
  })));
}

/** Marks the page so that a test can tell it was not reloaded or navigated since. */
async function markPage(page) {
  await page.evaluate(() => { window.__amphiMark = 'still here'; });
}

async function pageStillMarked(page) {
  return page.evaluate(() => window.__amphiMark === 'still here');
}

module.exports = { roomScene, signIn, enterRoom, openPanel, peopleShown, chatShown, markPage, pageStillMarked };
