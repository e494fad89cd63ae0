// Session content on the stage (issue 5: C2, C8) with real Chromium: the moderator uploads a
// PDF, an image and an MP4 through the backstage's content panel (a file of another type is
// refused by the input), starts the live and shows them; an attendee sees the PDF's pages
// turn and the image; the video plays and a late attendee lands at the right time (± 1 s).
// Files are made at test time: the PDF written here, the PNG and the MP4 by ffmpeg.
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

/** A valid PDF of `pages` pages, each saying "Page n" in large type. */
function pdf(pages) {
  const objects = ['<< /Type /Catalog /Pages 2 0 R >>',
    `<< /Type /Pages /Kids [${Array.from({ length: pages }, (_, i) => `${3 + 2 * i} 0 R`).join(' ')}] /Count ${pages} >>`];
  for (let i = 0; i < pages; i++) {
    const stream = `BT /F1 96 Tf 150 400 Td (Page ${i + 1}) Tj ET`;
    objects.push(`<< /Type /Page /Parent 2 0 R /MediaBox [0 0 792 612] /Contents ${4 + 2 * i} 0 R /Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> >>`);
    objects.push(`<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`);
  }
  let out = '%PDF-1.4\n';
  const offsets = objects.map((o, i) => {
    const at = out.length;
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
    return at;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) out += `${String(o).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

function ffmpeg(args, out) {
  execFileSync('ffmpeg', ['-v', 'error', '-nostdin', '-y', ...args, out]);
  return out;
}

/** The panel's list item of `name` once its status reads `status`. */
async function itemReady(page, name, status) {
  const item = page.locator('.content-item', { has: page.locator('.content-name', { hasText: name }) });
  await item.locator('.content-status', { hasText: status }).waitFor({ timeout: 30000 });
  return item;
}

/** The attendee's stage picture with this alt text, once decoded; returns its src. */
async function shownPicture(page, alt) {
  return waitFor(() => page.evaluate((alt) => {
    const img = [...document.querySelectorAll('.stage-content img')].find((i) => i.alt === alt);
    return img && img.complete && img.naturalWidth > 0 ? img.getAttribute('src') : null;
  }, alt), { timeoutMs: 15000, what: `picture "${alt}" on the attendee's stage` });
}

/** The stage video's position, in seconds, and whether it plays. */
async function videoState(page) {
  return page.evaluate(() => {
    const v = document.querySelector('.stage-content video.content-video');
    return v ? { time: v.currentTime, paused: v.paused, muted: v.muted, ready: v.readyState } : null;
  });
}

test('content on stage: PDF pages, an image, and a video in sync for a late attendee', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amphi-content-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const slides = path.join(dir, 'slides.pdf');
  fs.writeFileSync(slides, pdf(3));
  const photo = ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=640x360', '-frames:v', '1'], path.join(dir, 'photo.png'));
  const clip = ffmpeg(['-f', 'lavfi', '-i', 'testsrc=duration=40:size=320x240:rate=25', '-f', 'lavfi', '-i', 'sine=duration=40',
    '-shortest', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-movflags', '+faststart'], path.join(dir, 'clip.mp4'));
  const notes = path.join(dir, 'notes.pdf');
  fs.writeFileSync(notes, 'These are plain-text notes, not a PDF.');

  const scene = await webinarScene(t);
  const mod = await scene.browser('Olivia');
  await enterBackstage(mod.page, scene, scene.moderator);
  const input = mod.page.getByLabel('Add a file (PDF, image or MP4 video)');
  await input.waitFor({ timeout: 10000 });

  // A text file named .pdf is refused by the input, with a message a person understands.
  await input.setInputFiles(notes);
  await mod.page.getByRole('alert').filter({ hasText: 'This file is not a PDF, an image (PNG, JPEG) or an MP4 video.' }).waitFor();
  assert.equal(await input.getAttribute('aria-invalid'), 'true');

  // The three files: the PDF is rendered page by page, then the list says so.
  await input.setInputFiles(slides);
  await itemReady(mod.page, 'slides.pdf', 'Ready: 3 pages');
  assert.equal(await input.getAttribute('aria-invalid'), 'false', 'the old message went with a good file');
  await input.setInputFiles(photo);
  await itemReady(mod.page, 'photo.png', 'Ready');
  await input.setInputFiles(clip);
  await itemReady(mod.page, 'clip.mp4', 'Ready');

  await mod.page.getByRole('button', { name: 'Start the live' }).click();
  await mod.page.locator('.live-banner', { hasText: /^LIVE$/ }).waitFor({ timeout: 10000 });

  const a1 = await scene.browser('Attendee 1');
  await a1.page.goto(scene.session.url);
  await a1.page.locator('.attendee-live').waitFor({ timeout: 15000 });

  // The PDF, turned by the moderator: the attendee sees page 1, then page 2.
  await mod.page.getByRole('button', { name: 'Show slides.pdf on stage' }).click();
  const page1 = await shownPicture(a1.page, 'Page 1 of 3');
  assert.match(page1, /\/content\/[0-9a-f]{32}\/page\/1$/);
  assert.ok(await mod.page.getByRole('button', { name: 'Previous page' }).isDisabled(), 'no page before the first');
  await mod.page.getByRole('button', { name: 'Next page' }).click();
  const page2 = await shownPicture(a1.page, 'Page 2 of 3');
  assert.match(page2, /\/page\/2$/);
  await mod.page.locator('.content-page-number', { hasText: 'Page 2 of 3' }).waitFor();
  await screenshot(a1.page, 'webinar-content-pdf');

  // The image.
  await mod.page.getByRole('button', { name: 'Show photo.png on stage' }).click();
  await shownPicture(a1.page, 'photo.png');

  // The video: play, let it run, then a late attendee arrives.
  await mod.page.getByRole('button', { name: 'Show clip.mp4 on stage' }).click();
  await waitFor(() => videoState(a1.page).then((v) => v && v.ready >= 1), { timeoutMs: 15000, what: 'the video on the attendee stage' });
  await mod.page.getByRole('button', { name: 'Play', exact: true }).click();
  const playedAt = Date.now();
  await waitFor(() => videoState(a1.page).then((v) => v && !v.paused && v.time > 0.5), { timeoutMs: 15000, what: 'attendee 1 plays' });
  await new Promise((r) => setTimeout(r, 5000));

  const a2 = await scene.browser('Late attendee');
  await a2.page.goto(scene.session.url);
  await waitFor(() => videoState(a2.page).then((v) => v && !v.paused && v.time > 0), { timeoutMs: 20000, what: 'the late attendee plays' });
  await new Promise((r) => setTimeout(r, 1500)); // past the first drift check
  const late = await videoState(a2.page);
  const early = await videoState(a1.page);
  const elapsed = (Date.now() - playedAt) / 1000;
  assert.ok(Math.abs(late.time - elapsed) <= 1, `late attendee at ${late.time.toFixed(2)} s, ${elapsed.toFixed(2)} s since Play`);
  assert.ok(Math.abs(late.time - early.time) <= 1, `late ${late.time.toFixed(2)} s, first ${early.time.toFixed(2)} s`);
  // If the browser held the sound back, the attendee is offered it.
  if (late.muted) await a2.page.getByRole('button', { name: 'Click to enable sound' }).waitFor();
  await screenshot(a2.page, 'webinar-content-video');

  // Pause: everyone stops at the same place.
  await mod.page.getByRole('button', { name: 'Pause', exact: true }).click();
  await waitFor(() => videoState(a2.page).then((v) => v.paused), { timeoutMs: 5000, what: 'paused' });
  const [p1, p2] = [await videoState(a1.page), await videoState(a2.page)];
  assert.ok(Math.abs(p1.time - p2.time) <= 0.6, `paused at ${p1.time} and ${p2.time}`);
  assert.deepEqual(scene.errors, []);
});
