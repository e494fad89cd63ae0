// The check page's connection test (PRODUCT C1), in a room's check page as a person sees it:
// round trip, download and upload are measured against the server (/net/*) and shown with a
// rating; "Test again" measures again. On loopback the link is good: the rating says so and no
// advice is given. Then the server's limits as a browser meets them: too many tests from one
// address are refused, and the page says so instead of showing numbers.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { startAmphi, addUser, addRoom } = require('../lib/amphi.js');
const { launch } = require('../lib/browser.js');
const { waitFor } = require('../lib/media.js');

async function resultShown(page) {
  return page.evaluate(() => {
    const el = document.querySelector('.net-test');
    const v = (id) => {
      const dd = document.getElementById(id);
      return { text: dd.textContent, value: dd.dataset.value === undefined ? null : Number(dd.dataset.value) };
    };
    return {
      state: el.dataset.state,
      rating: el.dataset.rating ?? null,
      rtt: v('net-rtt'),
      download: v('net-download'),
      upload: v('net-upload'),
      status: el.querySelector('.net-status').textContent,
      advice: [...el.querySelectorAll('.net-advice li')].map((li) => li.textContent),
    };
  });
}

test('the check page measures round trip and throughput, and says when it may not', async (t) => {
  const server = await startAmphi();
  t.after(() => server.stop());
  addUser(server, 'owner@example.org', 'correct horse battery staple');
  const roomUrl = addRoom(server, 'Team meeting', 'owner@example.org');
  const context = await launch();
  t.after(() => context.close());
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(roomUrl);

  const section = page.getByRole('region', { name: 'Connection to the server' });
  await section.waitFor();
  const first = await waitFor(async () => {
    const r = await resultShown(page);
    return r.state === 'done' ? r : null;
  }, { timeoutMs: 20000, what: 'the connection test to finish' });
  console.log('connection test:', JSON.stringify(first));
  assert.equal(first.rating, 'good', JSON.stringify(first));
  assert.ok(first.rtt.value >= 0 && first.rtt.value < 150, `round trip ${first.rtt.value} ms`);
  assert.match(first.rtt.text, /^\d+ ms$/);
  assert.ok(first.download.value > 4, `download ${first.download.value} Mbit/s`);
  assert.ok(first.upload.value > 2.5, `upload ${first.upload.value} Mbit/s`);
  assert.match(first.download.text, /Mbit\/s$/);
  assert.equal(first.status, 'Your connection is good for a meeting.');
  assert.deepEqual(first.advice, []);
  // Screen readers hear the outcome: the status line is a live region.
  assert.equal(await section.getByRole('status').textContent(), first.status);

  // "Test again" runs it once more (keyboard: the button is focusable and named).
  const again = section.getByRole('button', { name: 'Test again' });
  await again.focus();
  await page.keyboard.press('Enter');
  await waitFor(async () => (await resultShown(page)).state === 'running', { timeoutMs: 5000, intervalMs: 20, what: 'a second run' })
    .catch(() => null); // on loopback it may finish between two looks
  const second = await waitFor(async () => {
    const r = await resultShown(page);
    return r.state === 'done' ? r : null;
  }, { timeoutMs: 20000, what: 'the second run' });
  assert.equal(second.rating, 'good');

  // Each full test is 12 requests and 8 MB: the address's minute budget (128 MB) allows 16.
  // Use it up from the page, then the check page says to wait instead of showing numbers.
  const codes = await page.evaluate(async () => {
    const out = [];
    for (let i = 0; i < 40 && !out.includes(429); i++) {
      const r = await fetch('/net/download?bytes=4194304', { cache: 'no-store' });
      await r.arrayBuffer();
      out.push(r.status);
    }
    return out;
  });
  // Two tests ran (16 MB): 28 more downloads of 4 MB fit, the 29th is refused.
  assert.deepEqual(codes, [...Array(28).fill(200), 429], String(codes));
  await again.click();
  const refused = await waitFor(async () => {
    const r = await resultShown(page);
    return r.state === 'done' ? r : null;
  }, { timeoutMs: 20000, what: 'the refused run' });
  assert.equal(refused.status, 'Too many tests from your network just now: try again in a minute.');
  assert.equal(refused.rating, 'unknown');

  // The page stays usable: joining does not depend on the test.
  await page.getByLabel('Your name').fill('Ann');
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  await page.getByRole('navigation', { name: 'Meeting controls' }).waitFor({ timeout: 10000 });
  assert.deepEqual(errors, []);
});

test('the check page in French', async (t) => {
  const server = await startAmphi();
  t.after(() => server.stop());
  addUser(server, 'owner@example.org', 'correct horse battery staple');
  const roomUrl = addRoom(server, 'Réunion', 'owner@example.org');
  const context = await launch({ locale: 'fr-FR' });
  t.after(() => context.close());
  const page = await context.newPage();
  await page.goto(roomUrl);
  await page.getByRole('region', { name: 'Connexion au serveur' }).waitFor();
  const r = await waitFor(async () => {
    const x = await resultShown(page);
    return x.state === 'done' ? x : null;
  }, { timeoutMs: 20000, what: 'the connection test' });
  assert.equal(r.status, 'Votre connexion convient bien à une réunion.');
  assert.match(r.download.text, /^[\d\s ,]+ Mbit\/s$/, r.download.text);
});
