// Annotations on the stage's page (issue 9, C6) with real Chromium: the moderator uploads an
// image and shows it on the stage; the speaker (a presenter) draws a pen stroke on it in the
// backstage preview; an attendee sees it appear (the canvas's stroke count and its red pixels
// where the stroke runs, plus a screenshot); a late attendee sees the page as annotated; the
// attendee has no drawing tools until a moderator lets everyone draw; undo clears it for all.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { waitFor } = require('../lib/media.js');
const { screenshot } = require('../lib/browser.js');
const { webinarScene, enterBackstage } = require('../lib/webinar.js');

/** The stage canvas's state: strokes and points drawn, and the page it is over. */
function canvasState(page) {
  return page.evaluate(() => {
    const c = document.querySelector('.stage-content .annotation-canvas');
    return c ? { strokes: Number(c.dataset.strokes), points: Number(c.dataset.points), page: c.dataset.page } : null;
  });
}

/** How many pixels of the canvas are the annotation red (#e53935), sampled along the middle row. */
function redPixelsOnMiddleRow(page) {
  return page.evaluate(() => {
    const c = document.querySelector('.stage-content .annotation-canvas');
    if (!c || !c.width) return 0;
    const y = Math.floor(c.height / 2);
    const row = c.getContext('2d').getImageData(0, y - 2, c.width, 5).data;
    let n = 0;
    for (let i = 0; i < row.length; i += 4) {
      if (row[i + 3] > 200 && Math.abs(row[i] - 0xe5) < 20 && Math.abs(row[i + 1] - 0x39) < 20 && Math.abs(row[i + 2] - 0x35) < 20) n += 1;
    }
    return n;
  });
}

/** Drags the mouse across the middle of the page shown in `page`'s stage (left to right). */
async function drawAcross(page) {
  const img = page.locator('.stage-content img.content-image');
  const box = await img.boundingBox();
  const y = box.y + box.height / 2;
  await page.mouse.move(box.x + box.width * 0.2, y);
  await page.mouse.down();
  for (let i = 1; i <= 12; i += 1) {
    await page.mouse.move(box.x + box.width * (0.2 + 0.05 * i), y);
    await new Promise((r) => setTimeout(r, 20));
  }
  await page.mouse.up();
}

test('a presenter\'s stroke appears for attendees and late joiners; drawing rights follow the moderator', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amphi-annotations-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const photo = path.join(dir, 'chart.png');
  execFileSync('ffmpeg', ['-v', 'error', '-nostdin', '-y', '-f', 'lavfi', '-i', 'color=c=white:size=640x360', '-frames:v', '1', photo]);

  const scene = await webinarScene(t);
  const mod = await scene.browser('Olivia');
  await enterBackstage(mod.page, scene, scene.moderator);
  const input = mod.page.getByLabel('Add a file (PDF, image or MP4 video)');
  await input.waitFor({ timeout: 10000 });
  await input.setInputFiles(photo);
  await mod.page.locator('.content-item', { hasText: 'chart.png' }).locator('.content-status', { hasText: 'Ready' }).waitFor({ timeout: 30000 });
  await mod.page.getByRole('button', { name: 'Start the live' }).click();
  await mod.page.locator('.live-banner', { hasText: /^LIVE$/ }).waitFor({ timeout: 10000 });
  await mod.page.getByRole('button', { name: 'Show chart.png on stage' }).click();

  const spk = await scene.browser('Sam');
  await enterBackstage(spk.page, scene, scene.speaker);
  const attendee = await scene.browser('Attendee');
  await attendee.page.goto(scene.session.url);
  await attendee.page.locator('.attendee-live').waitFor({ timeout: 15000 });
  await waitFor(() => canvasState(attendee.page).then((s) => s && s.strokes === 0), { timeoutMs: 15000, what: 'the attendee\'s empty canvas over the image' });
  // An attendee has no drawing tools.
  assert.equal(await attendee.page.locator('.annotation-tools button.tool-pen').isVisible(), false);

  // The speaker draws with the pen, in red (the default colour).
  await spk.page.locator('.stage-content img.content-image').waitFor({ timeout: 15000 });
  await spk.page.getByRole('button', { name: 'Pen', exact: true }).click();
  await drawAcross(spk.page);
  await waitFor(() => canvasState(attendee.page).then((s) => (s && s.strokes === 1 && s.points >= 10 ? s : null)),
    { timeoutMs: 10000, what: 'the stroke on the attendee\'s canvas' });
  await new Promise((r) => setTimeout(r, 500)); // the last points (sent every 80 ms) are in
  const seen = await canvasState(attendee.page);
  const drawn = await canvasState(spk.page);
  assert.equal(seen.points, drawn.points, 'the attendee has every point the speaker drew');
  assert.match(seen.page, /^[0-9a-f]{32}:1$/);
  const red = await waitFor(() => redPixelsOnMiddleRow(attendee.page).then((n) => (n > 20 ? n : null)),
    { timeoutMs: 5000, what: 'red pixels where the stroke runs' });
  assert.ok(red > 20, `${red} red pixels`);
  await screenshot(attendee.page, 'annotations-attendee');

  // A late attendee sees the page as annotated.
  const late = await scene.browser('Late attendee');
  await late.page.goto(scene.session.url);
  await waitFor(() => canvasState(late.page).then((s) => s && s.strokes === 1 && s.points === seen.points),
    { timeoutMs: 15000, what: 'the stroke for the late attendee' });
  await waitFor(() => redPixelsOnMiddleRow(late.page).then((n) => n > 20), { timeoutMs: 5000, what: 'red pixels for the late attendee' });
  await screenshot(late.page, 'annotations-late-attendee');

  // The moderator lets everyone draw: the attendee gets the tools and draws a rectangle.
  await mod.page.getByLabel('Let everyone draw').check();
  await attendee.page.getByRole('button', { name: 'Rectangle', exact: true }).waitFor({ timeout: 10000 });
  await attendee.page.getByRole('button', { name: 'Rectangle', exact: true }).click();
  const img = await attendee.page.locator('.stage-content img.content-image').boundingBox();
  await attendee.page.mouse.move(img.x + img.width * 0.3, img.y + img.height * 0.2);
  await attendee.page.mouse.down();
  await attendee.page.mouse.move(img.x + img.width * 0.6, img.y + img.height * 0.35, { steps: 5 });
  await attendee.page.mouse.up();
  await waitFor(() => canvasState(spk.page).then((s) => s && s.strokes === 2), { timeoutMs: 10000, what: 'the attendee\'s rectangle for the speaker' });
  // Undo removes it for everyone.
  await attendee.page.getByRole('button', { name: 'Undo', exact: true }).click();
  await waitFor(() => canvasState(late.page).then((s) => s && s.strokes === 1), { timeoutMs: 10000, what: 'the undo for the late attendee' });
  await screenshot(spk.page, 'annotations-speaker');
  assert.deepEqual(scene.errors, []);
});
