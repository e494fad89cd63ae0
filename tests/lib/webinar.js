// The scene of a webinar browser test (issue 5): a server, a moderator (the room's owner, also
// named moderator of the session) and a speaker with accounts made by the CLI, a room, and a
// published session held in it; browsers for staff (signed in, in the backstage) and for
// attendees (not signed in, on the session page), all instrumented (peer connections, sockets
// and the messages they receive, getUserMedia calls) and closed when the test ends.
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { startAmphi, addUser, addRoom, slugOf } = require('./amphi.js');
const { browserSet } = require('./browser.js');
const { instrument, waitFor } = require('./media.js');
const { signIn } = require('./rooms.js');

const PASSWORD = 'correct horse battery staple';

/**
 * Creates a published session through the store's SQLite file (sqlite3 CLI), with its staff.
 * The running server reads sessions from the store on every request, so no restart is needed.
 */
function createSession(server, { slug, roomSlug, title, description = '', startsAt, endsAt, timeZone = 'Europe/Paris', staff = [] }) {
  const db = path.join(server.dataDir, 'amphi.db');
  const q = (s) => `'${String(s).replace(/'/g, "''")}'`;
  const now = Date.now();
  const id = `ses-${slug}`;
  const sql = [
    '.timeout 5000',
    `INSERT INTO sessions (id, slug, room_id, title, description, starts_at, ends_at, time_zone, status, live_state, created_by, created_at, updated_at)
     SELECT ${q(id)}, ${q(slug)}, id, ${q(title)}, ${q(description)}, ${startsAt}, ${endsAt}, ${q(timeZone)}, 'published', 'not_started', owner_id, ${now}, ${now}
     FROM rooms WHERE slug = ${q(roomSlug)};`,
    ...staff.map((s) => `INSERT INTO session_staff (session_id, email, role, added_at) VALUES (${q(id)}, ${q(s.email.toLowerCase())}, ${q(s.role)}, ${now});`),
    `SELECT COUNT(*) FROM sessions WHERE slug = ${q(slug)};`,
  ].join('\n');
  const r = spawnSync('sqlite3', [db], { input: sql, encoding: 'utf8' });
  if (r.status !== 0 || r.stdout.trim() !== '1') throw new Error(`creating the session failed: ${r.stderr || r.stdout}`);
  return { id, slug, url: `${server.url}/s/${slug}`, backstage: `${server.url}/s/${slug}/backstage` };
}

/** Records what the page's sockets receive and how often it asks for devices. */
async function instrumentWebinar(context) {
  await instrument(context);
  await context.addInitScript(() => {
    window.__received = [];
    window.__deviceRequests = 0;
    const WS = window.WebSocket;
    window.WebSocket = class extends WS {
      constructor(...args) {
        super(...args);
        this.addEventListener('message', (e) => {
          try {
            window.__received.push(JSON.parse(e.data));
          } catch { /* not JSON */ }
        });
      }
    };
    const md = navigator.mediaDevices;
    if (md && md.getUserMedia) {
      const gum = md.getUserMedia.bind(md);
      md.getUserMedia = (...args) => {
        window.__deviceRequests += 1;
        return gum(...args);
      };
    }
  });
}

/**
 * A server, the moderator Olivia (room owner and named moderator), the speaker Sam, a room and a
 * published session. `browser(who, {extraArgs})` opens an instrumented browser; page errors land
 * in `errors`.
 */
async function webinarScene(t, { env = {}, title = 'Product launch', startsAt = Date.UTC(2030, 2, 4, 13, 0), timeZone = 'Europe/Paris' } = {}) {
  const server = await startAmphi({ env });
  t.after(() => server.stop());
  const moderator = { email: 'olivia@example.org', name: 'Olivia' };
  const speaker = { email: 'sam@example.org', name: 'Sam' };
  addUser(server, moderator.email, PASSWORD);
  addUser(server, speaker.email, PASSWORD);
  const roomUrl = addRoom(server, 'Launch room', moderator.email);
  const session = createSession(server, {
    slug: 'launch-2030', roomSlug: slugOf(roomUrl), title, startsAt, endsAt: startsAt + 3600_000, timeZone,
    staff: [{ email: moderator.email, role: 'moderator' }, { email: speaker.email, role: 'speaker' }],
  });
  const { errors, open } = browserSet(t, { prepare: instrumentWebinar });
  const browser = (who, { extraArgs = [], viewport = { width: 1100, height: 700 } } = {}) => open(who, { extraArgs, viewport });
  return { server, roomUrl, session, moderator, speaker, errors, browser };
}

/**
 * Signs in and enters the backstage through its check page; `camera`: turn the camera on there.
 * Resolves with the connection test as the check page showed it ({rttMs, downloadMbps,
 * uploadMbps, status}) when `connection` is set (it waits for the test to finish).
 */
async function enterBackstage(page, scene, person, { camera = false, connection = false } = {}) {
  await signIn(page, scene.server.url, person.email, PASSWORD);
  await page.goto(scene.session.backstage);
  await page.getByLabel('Your name').fill(person.name);
  await page.waitForFunction(() => document.querySelector('#check-camera option'), null, { timeout: 10000 });
  if (camera) await page.getByRole('button', { name: 'Camera', exact: true }).click();
  let shown = null;
  if (connection) {
    await page.waitForFunction(() => document.querySelector('.net-test')?.dataset.state === 'done', null, { timeout: 20000 });
    shown = await page.evaluate(() => {
      const v = (id) => (document.getElementById(id).dataset.value === undefined ? null : Number(document.getElementById(id).dataset.value));
      return { rttMs: v('net-rtt'), downloadMbps: v('net-download'), uploadMbps: v('net-upload'), status: document.querySelector('.net-status').textContent };
    });
  }
  await page.getByRole('button', { name: 'Enter the backstage', exact: true }).click();
  await page.getByRole('navigation', { name: 'Meeting controls' }).waitFor({ timeout: 15000 });
  return shown;
}

/** Enters the backstage (as enterBackstage), puts the person on stage and starts the live. */
async function startLive(page, scene, person, options = {}) {
  await enterBackstage(page, scene, person, options);
  await page.getByRole('region', { name: 'Stage', exact: true }).getByRole('checkbox', { name: person.name }).check();
  await page.getByRole('button', { name: 'Start the live' }).click();
  await page.locator('.live-banner', { hasText: /^LIVE$/ }).waitFor({ timeout: 10000 });
}

/** Sends a raw client message through the page's own (latest open) signaling socket. */
async function sendRaw(page, message) {
  await page.evaluate((m) => {
    const ws = [...window.__sockets].reverse().find((s) => s.readyState === WebSocket.OPEN);
    if (!ws) throw new Error('no open socket');
    ws.send(JSON.stringify(m));
  }, message);
}

/** Waits for an `error` the page received in answer to `request`; returns it. */
async function errorFor(page, request, { since = 0, timeoutMs = 5000 } = {}) {
  return waitFor(() => page.evaluate(({ request, since }) => window.__received.slice(since)
    .find((m) => m.type === 'error' && m.request === request) || null, { request, since }),
  { timeoutMs, what: `an error answering ${request}` });
}

/** How many messages the page has received so far (to look only at later ones). */
async function receivedCount(page) {
  return page.evaluate(() => window.__received.length);
}

/**
 * The stage's media as an attendee receives it: summed inbound video frames and audio bytes and
 * energy, and the stage's videos' decoded sizes.
 */
async function stageMedia(page) {
  return page.evaluate(async () => {
    const out = { framesDecoded: 0, videoBytes: 0, audioBytes: 0, audioEnergy: 0, inbound: 0, outbound: 0 };
    for (const pc of window.__pcs || []) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((r) => {
        if (r.type === 'inbound-rtp') {
          out.inbound += 1;
          if (r.kind === 'video') {
            out.framesDecoded += r.framesDecoded || 0;
            out.videoBytes += r.bytesReceived || 0;
          } else {
            out.audioBytes += r.bytesReceived || 0;
            out.audioEnergy += r.totalAudioEnergy || 0;
          }
        }
        if (r.type === 'outbound-rtp') out.outbound += 1;
      });
    }
    out.videoWidths = [...document.querySelectorAll('.stage-view video')].map((v) => v.videoWidth);
    out.audioPlaying = [...document.querySelectorAll('.stage-audio audio')].filter((a) => !a.paused).length;
    out.peerConnections = (window.__pcs || []).filter((pc) => pc.connectionState !== 'closed').length;
    out.deviceRequests = window.__deviceRequests;
    return out;
  });
}

/** Waits until the attendee's stage video advances and its audio arrives with sound in it. */
async function decodesStage(page, who, { timeoutMs = 20000 } = {}) {
  const before = await stageMedia(page);
  return waitFor(async () => {
    const now = await stageMedia(page);
    const ok = now.framesDecoded > before.framesDecoded + 5 && now.audioBytes > before.audioBytes
      && now.audioEnergy > before.audioEnergy && now.videoWidths.some((w) => w > 0);
    return ok ? now : null;
  }, { timeoutMs, intervalMs: 500, what: `${who} decodes the stage` });
}

/** The audience count as the moderator's header shows it (null while hidden). */
async function audienceShown(page) {
  return page.evaluate(() => {
    const el = document.querySelector('.audience-count');
    if (!el || el.hidden) return null;
    return { attendees: Number(el.dataset.attendees), speakers: Number(el.dataset.speakers), moderators: Number(el.dataset.moderators), text: el.textContent };
  });
}

module.exports = {
  PASSWORD, webinarScene, createSession, instrumentWebinar, enterBackstage, startLive, sendRaw, errorFor, receivedCount,
  stageMedia, decodesStage, audienceShown,
};
