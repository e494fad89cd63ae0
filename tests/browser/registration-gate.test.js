// Issue 6: an attendee whose session socket is refused with `registration_required` is told why
// and taken to the session's registration gate. Two ways to get there while watching a live:
// - Ann's page was open before the organiser required registration: her connection drops, the
//   reconnection is refused; the page says why, counts down, then shows the gate (e-mail +
//   registration ID, and the way to register);
// - Bea registered (approved at once) and watched in French; the organiser rejects her
//   registration and her connection drops: the page says why in French; she chooses to stay,
//   the page stays (no move without her say), then she follows the link to the gate herself.
// Then, as units in a page: the one-minute loop guard and the gate's links.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { screenshot } = require('../lib/browser.js');
const { cutConnections, waitFor } = require('../lib/media.js');
const { markPage, pageStillMarked } = require('../lib/rooms.js');
const { webinarScene, startLive } = require('../lib/webinar.js');

/** Waits until the attendee page shows the "registration required" section; returns its texts. */
async function gateShown(page) {
  return waitFor(() => page.evaluate(() => {
    const section = document.querySelector('.attendee-registration');
    if (!section || !section.isConnected) return null;
    return {
      state: document.getElementById('session')?.dataset.state,
      title: section.querySelector('h1')?.textContent,
      status: section.querySelector('.attendee-state-text')?.textContent,
      why: section.querySelector('.attendee-detail')?.textContent,
      countdown: section.querySelector('.gate-countdown')?.hidden ? null : section.querySelector('.gate-countdown')?.textContent,
      links: [...section.querySelectorAll('a')].map((a) => ({ text: a.textContent, href: a.getAttribute('href') })),
      announced: document.getElementById('room-announcer')?.textContent || '',
    };
  }), { timeoutMs: 20000, what: 'the registration-required section' });
}

test('a refused reconnection (registration required) or a rejection while watching leads the attendee to the gate, with the reason', async (t) => {
  const scene = await webinarScene(t);
  const { server, session, moderator } = scene;
  const slug = session.slug;

  // The moderator starts the live from the backstage, herself on stage.
  const mod = await scene.browser('Olivia');
  await startLive(mod.page, scene, moderator);

  // Ann watches; registration is not required yet.
  const ann = await scene.browser('Ann');
  await ann.page.goto(session.url);
  await ann.page.locator('#session[data-state="live"]').waitFor({ timeout: 15000 });

  // The organiser (in another tab of the moderator's browser) requires registration, approving automatically.
  const org = await mod.context.newPage();
  await org.goto(`${server.url}/programme/sessions/${slug}/registration`);
  await org.getByRole('checkbox', { name: 'Require registration' }).check();
  await org.getByRole('checkbox', { name: 'Approve all registration requests automatically' }).check();
  await org.getByRole('button', { name: 'Save', exact: true }).click();
  await org.getByText('Registration settings saved.').waitFor();

  // Bea meets the gate, registers, is let in at once, and switches the page to French.
  const bea = await scene.browser('Bea');
  await bea.page.goto(session.url);
  await bea.page.getByRole('link', { name: 'Register' }).click();
  await bea.page.getByRole('textbox', { name: /^Name/ }).fill('Bea Martin');
  await bea.page.getByRole('textbox', { name: /^E-mail address/ }).fill('bea@example.org');
  await bea.page.getByRole('button', { name: 'Register' }).click();
  await bea.page.locator('#session[data-state="live"]').waitFor({ timeout: 15000 });
  await bea.page.getByRole('combobox', { name: 'Language' }).selectOption('fr');

  // Ann's open socket is not cut by the change; her connection drops and the reconnection is refused.
  assert.equal(await ann.page.locator('#session').getAttribute('data-state'), 'live');
  await cutConnections(ann.page);
  const shownAt = Date.now();
  const annGate = await gateShown(ann.page);
  console.log(`# Ann's page: ${JSON.stringify(annGate)}`);
  assert.equal(annGate.state, 'gone');
  assert.equal(annGate.title, 'Product launch');
  assert.equal(annGate.status, 'Registration required');
  assert.match(annGate.why, /registered people only, or your registration is no longer valid/);
  assert.match(annGate.countdown, /^Taking you to the registration page in [1-6] s\.$/);
  assert.deepEqual(annGate.links, [
    { text: 'Enter my registration ID', href: `/s/${slug}` },
    { text: 'Register', href: `/s/${slug}/register` },
  ]);
  await waitFor(() => ann.page.evaluate(() => document.getElementById('room-announcer')?.textContent.startsWith('Registration required')),
    { timeoutMs: 3000, what: 'the reason announced to screen readers' });
  await screenshot(ann.page, 'registration-gate-attendee');
  // Then, by itself, the gate: the session's page, now the e-mail + ID form with the way to register.
  await ann.page.getByRole('heading', { name: 'Registration required: Product launch', level: 1 }).waitFor({ timeout: 15000 });
  const waited = Date.now() - shownAt;
  console.log(`# Ann reached the gate ${waited} ms after the reason showed`);
  assert.ok(waited >= 4000 && waited < 12000, `the move comes after the countdown (${waited} ms)`);
  assert.equal(new URL(ann.page.url()).pathname, `/s/${slug}`);
  await ann.page.getByRole('textbox', { name: 'Registration ID' }).waitFor();
  await ann.page.getByRole('link', { name: 'Register' }).waitFor();

  // The organiser rejects Bea's registration while she watches: the server ends her connection
  // at once (registration_required), no reconnection needed.
  await org.goto(`${server.url}/programme/sessions/${slug}/registrants`);
  await org.getByRole('button', { name: 'Reject Bea Martin (bea@example.org)' }).click();
  await org.locator('tr[data-registration="bea@example.org"] .reg-rejected').waitFor();
  const beaGate = await gateShown(bea.page);
  console.log(`# Bea's page: ${JSON.stringify(beaGate)}`);
  assert.equal(beaGate.status, 'Inscription requise');
  assert.match(beaGate.why, /votre inscription n’est plus valable/);
  assert.match(beaGate.countdown, /^Vous allez être conduit à la page d’inscription dans [1-6] s\.$/);
  // She stays: the countdown goes, the page does not move, the focus is on the way to the gate.
  await markPage(bea.page);
  await bea.page.getByRole('button', { name: 'Rester sur cette page' }).click();
  assert.equal(await bea.page.evaluate(() => document.activeElement?.textContent), 'Saisir mon ID d’inscription');
  await new Promise((r) => setTimeout(r, 8000));
  assert.ok(await pageStillMarked(bea.page), 'the page stayed');
  assert.equal(await bea.page.locator('.gate-countdown').isHidden(), true);
  // Then she goes herself (keyboard): the gate.
  await bea.page.keyboard.press('Enter');
  await bea.page.locator('#gate-email').waitFor({ timeout: 10000 });
  assert.equal(new URL(bea.page.url()).pathname, `/s/${slug}`);

  // The loop guard, as units in the organiser's tab: a page sent to the gate less than a minute
  // ago shows the links and does not move; a cancelled countdown does not move either.
  const got = await org.evaluate(async () => {
    const { gateUrl, registerUrl, sentRecently, registrationGate } = await import('/static/js/webinar/registration_gate.js');
    const saved = (value) => ({ getItem: () => value, setItem: () => {} });
    const sent = JSON.stringify({ slug: 'a', at: 1000 });
    const moves = [];
    const guarded = registrationGate({ slug: 'a', title: 'T', go: (u) => moves.push(u), storage: saved(sent), now: 30000 });
    const fresh = registrationGate({ slug: 'a', title: 'T', go: (u) => moves.push(u), storage: saved(null), now: 30000 });
    fresh.cancel();
    await new Promise((r) => setTimeout(r, 1500));
    return {
      urls: [gateUrl('a b'), registerUrl('é/x')],
      recent: [
        sentRecently(saved(sent), 'a', 30000), sentRecently(saved(sent), 'a', 61001), sentRecently(saved(sent), 'b', 30000),
        sentRecently(saved('{not json'), 'a', 30000), sentRecently({ getItem: () => { throw new Error('refused'); } }, 'a', 30000),
        sentRecently(saved(sent), 'a', 500),
      ],
      guarded: { auto: guarded.auto, countdownHidden: guarded.el.querySelector('.gate-countdown').hidden, stayHidden: guarded.el.querySelector('.gate-stay').hidden },
      fresh: { auto: fresh.auto, countdownHidden: fresh.el.querySelector('.gate-countdown').hidden },
      moves,
    };
  });
  assert.deepEqual(got.urls, ['/s/a%20b', '/s/%C3%A9%2Fx/register']);
  assert.deepEqual(got.recent, [true, false, false, false, false, false]);
  assert.deepEqual(got.guarded, { auto: false, countdownHidden: true, stayHidden: true });
  assert.deepEqual(got.fresh, { auto: true, countdownHidden: true });
  assert.deepEqual(got.moves, [], 'neither the guarded nor the cancelled page moved');
  assert.deepEqual(scene.errors, []);
});

