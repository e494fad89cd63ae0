// Issue "Foundation", as a person does it: open the first-run link printed by the real binary,
// create the administrator, sign in, create a room and see (and copy) its link. Controls are
// found by role and accessible name, as a screen reader finds them.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { startAmphi } = require('../lib/amphi.js');
const { launch, screenshot } = require('../lib/browser.js');

const EMAIL = 'admin@example.org';
const PASSWORD = 'correct horse battery staple';

test('first run: create the administrator, sign in, create a room, copy its link', async (t) => {
  const server = await startAmphi();
  t.after(() => server.stop());
  assert.ok(server.setupLink, `the server printed a first-run link:\n${server.logs()}`);
  assert.ok(server.setupLink.startsWith(`${server.url}/setup/`), server.setupLink);

  const context = await launch();
  t.after(() => context.close());
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));

  // The one-time setup page.
  await page.goto(server.setupLink);
  await page.getByRole('heading', { name: 'Create the administrator' }).waitFor();
  await page.getByRole('textbox', { name: 'E-mail address' }).fill(EMAIL);
  await page.getByRole('textbox', { name: 'Your name' }).fill('Ada Admin');
  await page.getByLabel('New password').fill(PASSWORD);
  await page.getByLabel('Confirm the password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create the administrator' }).click();

  // Sent to the sign-in page with a notice.
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.getByRole('status').getByText('The administrator account is ready').waitFor();
  await page.getByRole('textbox', { name: 'E-mail address' }).fill(EMAIL);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();

  // My rooms: create one with accents in its name.
  await page.getByRole('heading', { name: 'My rooms', level: 1 }).waitFor();
  assert.ok(await page.getByRole('navigation', { name: 'Main menu' }).getByRole('link', { name: 'Users' }).isVisible(),
    'an administrator sees the Users page in the menu');
  await page.getByRole('textbox', { name: 'Room name' }).fill('Réunion d’équipe');
  await page.getByRole('button', { name: 'Create the room' }).click();
  await page.getByRole('status').getByText('The room is created.').waitFor();

  const roomUrl = `${server.url}/r/reunion-d-equipe`;
  const link = page.getByRole('link', { name: roomUrl });
  await link.waitFor();
  assert.equal(await link.getAttribute('href'), '/r/reunion-d-equipe');
  await page.getByRole('heading', { name: 'Réunion d’équipe', level: 3 }).waitFor();

  // Copy the link: the clipboard holds the URL and the page says so.
  await page.getByRole('button', { name: 'Copy the link of room Réunion d’équipe' }).click();
  await page.getByRole('status').getByText('Link copied.').waitFor();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  assert.equal(copied, roomUrl);

  await screenshot(page, 'first_run-my_rooms');

  // The switch turns the page into French, and the room link answers for everyone.
  await page.getByRole('link', { name: 'Français' }).click();
  await page.getByRole('heading', { name: 'Mes salles', level: 1 }).waitFor();
  await screenshot(page, 'first_run-mes_salles');
  const response = await page.request.get(roomUrl);
  assert.equal(response.status(), 200);

  // The setup link is spent.
  const again = await page.goto(server.setupLink);
  assert.equal(again.status(), 410);
  assert.deepEqual(errors, []);
});
