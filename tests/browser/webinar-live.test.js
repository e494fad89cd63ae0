// A whole live (issue 5: W3, W4, W7, C9) with real Chromium peers: a moderator and a speaker in
// the backstage, two attendees on the session page.
// - Attendees wait on "The live has not started" with no media at all and no device prompt.
// - The speaker sees no Start, no stage editor, no audience count, and the server refuses the
//   start_live and set_stage the speaker's page forges on its own socket.
// - The moderator puts the speaker on stage and starts: attendees decode the stage's video
//   (frames advance) and receive its audio with sound in it.
// - The audience count is exact as attendees leave and come back.
// - The moderator reloads: the live goes on (attendees keep decoding) and the backstage
//   shows it live again. An attendee whose network drops is back by itself.
// - The moderator stops after confirming: attendees see the live has ended; a second start is
//   refused and the Start button does not come back.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { toneFile, waitFor, cutConnections } = require('../lib/media.js');
const { screenshot } = require('../lib/browser.js');
const {
  webinarScene, enterBackstage, sendRaw, errorFor, receivedCount, stageMedia, decodesStage, audienceShown,
} = require('../lib/webinar.js');

async function openAttendee(scene, who, { context } = {}) {
  let page;
  if (context) page = await context.newPage();
  else ({ page, context } = await scene.browser(who));
  page.on('pageerror', (e) => scene.errors.push(`${who}: ${e.message}`));
  await page.goto(scene.session.url);
  return { page, context };
}

/** Clicks "Click to listen" if the browser's autoplay policy held the sound back. */
async function listen(page) {
  const button = page.getByRole('button', { name: 'Click to listen' });
  if (await button.isVisible()) await button.click();
}

test('a live from backstage to attendees: start, stage, reload, stop', async (t) => {
  const tone = toneFile(240);
  t.after(() => tone.remove());
  const scene = await webinarScene(t);
  const { moderator, speaker } = scene;

  // Attendees before the live: the title, the schedule, the state in words, and no media.
  const a1 = await openAttendee(scene, 'Attendee 1');
  const a2 = await openAttendee(scene, 'Attendee 2');
  for (const a of [a1, a2]) {
    await a.page.locator('.attendee-state-text', { hasText: 'The live has not started' }).waitFor({ timeout: 10000 });
    await a.page.getByRole('heading', { name: 'Product launch', level: 1 }).waitFor();
    // Scheduled for 4 March 2030, 13:00 UTC: 14:00 in Paris, shown with the zone's name.
    assert.match(await a.page.locator('.schedule-session-zone').textContent(), /(14:00|2:00).*Europe\/Paris/);
    await waitFor(() => a.page.evaluate(() => window.__received.some((m) => m.type === 'welcome')), { what: 'attendee welcome' });
  }
  const welcome = await a1.page.evaluate(() => window.__received.find((m) => m.type === 'welcome'));
  assert.equal(welcome.role, 'attendee');
  assert.equal(welcome.live.state, 'not_started');
  const waiting = await stageMedia(a1.page);
  assert.equal(waiting.deviceRequests, 0, 'an attendee is never asked for camera or microphone');
  assert.equal(waiting.outbound, 0, 'an attendee sends no media');
  assert.equal(waiting.inbound, 0, 'no media before the live');
  assert.ok(waiting.peerConnections <= 1, `one peer connection at most (subscriber): ${waiting.peerConnections}`);

  // Staff in the backstage: the moderator with the camera off (as staff enter), the speaker
  // turns it on at the check page and speaks a steady tone.
  const mod = await scene.browser('Olivia');
  // The backstage's check page tests the connection to the server (C1).
  const net = await enterBackstage(mod.page, scene, moderator, { connection: true });
  console.log('backstage check page connection test:', JSON.stringify(net));
  assert.ok(net.rttMs >= 0 && net.downloadMbps > 0 && net.uploadMbps > 0, JSON.stringify(net));
  assert.equal(net.status, 'Your connection is good for a meeting.');
  const spk = await scene.browser('Sam', { extraArgs: [`--use-file-for-fake-audio-capture=${tone.path}`] });
  await enterBackstage(spk.page, scene, speaker, { camera: true });

  await mod.page.locator('.live-banner', { hasText: 'Backstage — not live' }).waitFor();
  await mod.page.getByRole('button', { name: 'Start the live' }).waitFor();

  // The speaker: no start, no stage editor, no audience count.
  await spk.page.locator('.live-banner', { hasText: 'Backstage — not live' }).waitFor();
  assert.equal(await spk.page.getByRole('button', { name: 'Start the live' }).count(), 0);
  assert.equal(await spk.page.getByRole('button', { name: 'Stop the live' }).count(), 0);
  assert.equal(await spk.page.getByRole('group', { name: 'Layout' }).count(), 0, 'no layout choice for speakers');
  assert.equal(await spk.page.getByRole('region', { name: 'Stage', exact: true }).count(), 0, 'no stage editor for speakers');
  assert.equal(await audienceShown(spk.page), null, 'speakers do not see the audience count');
  // ... and the server refuses what the page would not offer.
  let since = await receivedCount(spk.page);
  await sendRaw(spk.page, { type: 'start_live' });
  assert.equal((await errorFor(spk.page, 'start_live', { since })).code, 'forbidden');
  since = await receivedCount(spk.page);
  const samId = await spk.page.evaluate(() => window.__received.find((m) => m.type === 'welcome').participant_id);
  await sendRaw(spk.page, { type: 'set_stage', stage: { layout: 'speaker', members: [samId], content: null } });
  assert.equal((await errorFor(spk.page, 'set_stage', { since })).code, 'forbidden');
  await spk.page.locator('.live-banner', { hasText: 'Backstage — not live' }).waitFor();

  // The moderator sees the audience: 2 attendees, 1 speaker, 1 moderator.
  await waitFor(async () => {
    const a = await audienceShown(mod.page);
    return a && a.attendees === 2 && a.speakers === 1 && a.moderators === 1 ? a : null;
  }, { timeoutMs: 10000, what: 'audience 2/1/1' });

  // The moderator puts Sam on stage (keyboard: Space on the checkbox), layout speaker.
  const editor = mod.page.getByRole('region', { name: 'Stage', exact: true });
  const samBox = editor.getByRole('checkbox', { name: 'Sam' });
  await samBox.focus();
  await mod.page.keyboard.press('Space');
  await waitFor(() => samBox.isChecked(), { what: 'Sam on stage (stage_updated)' });
  await editor.getByRole('radio', { name: /^Speaker/ }).check();
  await waitFor(() => mod.page.evaluate(() => window.__received.some((m) => m.type === 'stage_updated' && m.stage.layout === 'speaker')), { what: 'layout speaker' });

  // Start.
  await mod.page.getByRole('button', { name: 'Start the live' }).click();
  await mod.page.locator('.live-banner', { hasText: /^LIVE$/ }).waitFor({ timeout: 10000 });
  await spk.page.locator('.live-banner', { hasText: /^LIVE$/ }).waitFor({ timeout: 10000 });
  assert.equal(await mod.page.getByRole('button', { name: 'Start the live' }).count(), 0);
  await mod.page.getByRole('button', { name: 'Stop the live' }).waitFor();

  // Attendees decode the stage: Sam's video advances and his tone is heard.
  for (const [a, who] of [[a1, 'Attendee 1'], [a2, 'Attendee 2']]) {
    await a.page.locator('.stage-member', { hasText: 'Sam' }).waitFor({ timeout: 15000 });
    await listen(a.page);
    const got = await decodesStage(a.page, who);
    assert.equal(got.outbound, 0);
    assert.equal(got.deviceRequests, 0);
  }
  await screenshot(a1.page, 'webinar-attendee-live');
  await screenshot(mod.page, 'webinar-backstage-live');

  // The audience count follows attendees leaving and coming back.
  await a2.page.close();
  await waitFor(async () => (await audienceShown(mod.page))?.attendees === 1, { timeoutMs: 10000, what: 'audience down to 1' });
  const a2again = await openAttendee(scene, 'Attendee 2 again', { context: a2.context });
  await waitFor(async () => (await audienceShown(mod.page))?.attendees === 2, { timeoutMs: 10000, what: 'audience back to 2' });
  await listen(a2again.page);
  await decodesStage(a2again.page, 'Attendee 2 (back)');
  assert.deepEqual(await audienceShown(mod.page).then((a) => [a.attendees, a.speakers, a.moderators]), [2, 1, 1]);

  // The moderator reloads: the live goes on, attendees keep decoding throughout.
  const before = await stageMedia(a1.page);
  await mod.page.reload();
  const during = await stageMedia(a1.page);
  await enterBackstageAgain(mod.page, moderator);
  await mod.page.locator('.live-banner', { hasText: /^LIVE$/ }).waitFor({ timeout: 10000 });
  const after = await decodesStage(a1.page, 'Attendee 1 after the reload');
  assert.ok(after.framesDecoded > before.framesDecoded, 'frames kept coming');
  assert.ok(during.framesDecoded >= before.framesDecoded);
  assert.equal(await a1.page.locator('.attendee-ended').count(), 0);

  // An attendee's network drops (sockets and peer connection cut): it reconnects by itself
  // and decodes the stage again, with no click and no reload.
  await a1.page.evaluate(() => { window.__stillHere = true; });
  await cutConnections(a1.page);
  await decodesStage(a1.page, 'Attendee 1 after a network cut');
  assert.equal(await a1.page.evaluate(() => window.__stillHere), true, 'the page was not reloaded');

  // Stop, after the confirmation that says it is final.
  await mod.page.getByRole('button', { name: 'Stop the live' }).click();
  const dialog = mod.page.getByRole('dialog', { name: 'Stop the live?' });
  await dialog.waitFor();
  assert.match(await dialog.textContent(), /final/);
  // Cancel first: nothing happens.
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await mod.page.locator('.live-banner', { hasText: /^LIVE$/ }).waitFor();
  await mod.page.getByRole('button', { name: 'Stop the live' }).click();
  await mod.page.getByRole('dialog', { name: 'Stop the live?' }).getByRole('button', { name: 'Stop the live' }).click();
  for (const page of [a1.page, a2again.page]) {
    await page.locator('.attendee-state-text', { hasText: 'The live has ended' }).waitFor({ timeout: 10000 });
    await page.locator('.attendee-detail', { hasText: 'The replay will be available here.' }).waitFor();
  }
  await mod.page.locator('.live-banner', { hasText: 'The live has ended' }).waitFor();
  assert.equal(await mod.page.getByRole('button', { name: 'Start the live' }).count(), 0, 'an ended live offers no start');

  // A second start is refused.
  since = await receivedCount(mod.page);
  await sendRaw(mod.page, { type: 'start_live' });
  assert.equal((await errorFor(mod.page, 'start_live', { since })).code, 'live_ended');
  await screenshot(a1.page, 'webinar-attendee-ended');
  assert.deepEqual(scene.errors, []);
});

/** After a reload the check page shows again (the name is remembered). */
async function enterBackstageAgain(page, person) {
  await page.getByLabel('Your name').fill(person.name);
  await page.getByRole('button', { name: 'Enter the backstage', exact: true }).click();
  await page.getByRole('navigation', { name: 'Meeting controls' }).waitFor({ timeout: 15000 });
}
