// Helpers for media end-to-end tests: join a room as a person would, and read what a page
// really receives (RTCPeerConnection.getStats and the <video> elements on screen).
'use strict';

/**
 * Keeps a reference to every RTCPeerConnection and WebSocket the page creates, so that a test
 * can read their stats or cut them (a network drop) without any hook in the application.
 */
async function instrument(context) {
  await context.addInitScript(() => {
    window.__pcs = [];
    window.__sockets = [];
    const PC = window.RTCPeerConnection;
    window.RTCPeerConnection = class extends PC {
      constructor(...args) {
        super(...args);
        window.__pcs.push(this);
      }
    };
    const WS = window.WebSocket;
    window.WebSocket = class extends WS {
      constructor(...args) {
        super(...args);
        window.__sockets.push(this);
      }
    };
  });
}

/** Opens the room page, fills the check page and presses Join; resolves once in the room. */
async function joinRoom(page, roomUrl, name, { joinLabel = 'Join', nameLabel = 'Your name' } = {}) {
  await page.goto(roomUrl);
  await page.getByLabel(nameLabel).fill(name);
  // The check page opens the devices first; joining before it is done is fine, but wait for the
  // preview so that the test measures join-to-first-frame from a comparable point.
  await page.waitForFunction(() => {
    const v = document.querySelector('.preview-video');
    return v && v.videoWidth > 0;
  }, null, { timeout: 10000 });
  await page.getByRole('button', { name: joinLabel, exact: true }).click();
  await page.getByRole('navigation').waitFor({ timeout: 10000 });
}

/**
 * What the page shows of each remote participant: for every tile, the participant's name and
 * id, the video's decoded size, the id of the video track on screen, and the mic-off icon.
 */
async function tiles(page) {
  return page.evaluate(() => [...document.querySelectorAll('.tile')].map((el) => {
    const v = el.querySelector('video');
    const track = v && v.srcObject ? v.srcObject.getVideoTracks()[0] : null;
    const a = el.querySelector('audio');
    const atrack = a && a.srcObject ? a.srcObject.getAudioTracks()[0] : null;
    const mic = el.querySelector('.mic-off');
    const cam = el.querySelector('.cam-off');
    return {
      participantId: el.dataset.participantId || null,
      publicationId: el.dataset.publicationId || null,
      screen: el.classList.contains('tile-screen'),
      local: el.classList.contains('local'),
      label: el.getAttribute('aria-label'),
      videoWidth: v ? v.videoWidth : 0,
      videoHeight: v ? v.videoHeight : 0,
      clientWidth: v ? v.clientWidth : 0,
      videoTrackId: track ? track.id : null,
      audioTrackId: atrack ? atrack.id : null,
      micOffShown: !!mic && !mic.hidden,
      cameraOffShown: !!cam && !cam.hidden,
      noVideo: el.classList.contains('no-video'),
      speaking: el.classList.contains('speaking'),
    };
  }));
}

/** inbound-rtp stats of every peer connection of the page, keyed by the receiving track's id. */
async function inbound(page) {
  return page.evaluate(async () => {
    const out = {};
    for (const pc of window.__pcs || []) {
      if (pc.connectionState === 'closed') continue;
      const stats = await pc.getStats();
      stats.forEach((r) => {
        if (r.type !== 'inbound-rtp') return;
        out[r.trackIdentifier] = {
          kind: r.kind,
          mid: r.mid,
          bytesReceived: r.bytesReceived || 0,
          packetsReceived: r.packetsReceived || 0,
          framesDecoded: r.framesDecoded || 0,
          frameWidth: r.frameWidth || 0,
          frameHeight: r.frameHeight || 0,
          freezeCount: r.freezeCount || 0,
          keyFramesDecoded: r.keyFramesDecoded || 0,
          totalAudioEnergy: r.totalAudioEnergy || 0,
        };
      });
    }
    return out;
  });
}

/** outbound-rtp stats of the page (what it sends), one entry per RTP stream. */
async function outbound(page) {
  return page.evaluate(async () => {
    const out = [];
    for (const pc of window.__pcs || []) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((r) => {
        if (r.type === 'outbound-rtp') {
          out.push({ kind: r.kind, rid: r.rid, mid: r.mid, bytesSent: r.bytesSent || 0, frameWidth: r.frameWidth || 0,
            framesEncoded: r.framesEncoded || 0, keyFramesEncoded: r.keyFramesEncoded || 0, pliCount: r.pliCount || 0,
            active: r.active, qualityLimitationReason: r.qualityLimitationReason });
        }
      });
    }
    return out;
  });
}

/** Polls `fn` until it returns a truthy value; throws with the last value after `timeoutMs`. */
async function waitFor(fn, { timeoutMs = 10000, intervalMs = 200, what = 'condition' } = {}) {
  const start = Date.now();
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** The remote participant tiles (not ours, not screens) of a page whose video plays. */
async function remoteTilesWithVideo(page) {
  return (await tiles(page)).filter((t) => !t.local && !t.screen && t.videoWidth > 0 && !t.noVideo);
}

/**
 * Samples twice, `ms` apart, the inbound stats of the tracks shown in remote tiles; returns per
 * remote participant {name, videoFrames, videoBytes, audioBytes, frameWidth} deltas.
 */
async function flow(page, ms = 2000) {
  const before = await inbound(page);
  await new Promise((r) => setTimeout(r, ms));
  const after = await inbound(page);
  const result = {};
  for (const t of await tiles(page)) {
    if (t.local || !t.participantId) continue;
    const d = (id, field) => (id && after[id] ? after[id][field] - (before[id] ? before[id][field] : 0) : 0);
    result[t.label] = {
      participantId: t.participantId,
      videoFrames: d(t.videoTrackId, 'framesDecoded'),
      videoBytes: d(t.videoTrackId, 'bytesReceived'),
      audioBytes: d(t.audioTrackId, 'bytesReceived'),
      audioPackets: d(t.audioTrackId, 'packetsReceived'),
      frameWidth: t.videoTrackId && after[t.videoTrackId] ? after[t.videoTrackId].frameWidth : 0,
      videoWidth: t.videoWidth,
      micOffShown: t.micOffShown,
    };
  }
  return result;
}

/** Cuts a page off the server as a network drop would: closes its sockets and peer connections. */
async function cutConnections(page) {
  await page.evaluate(() => {
    for (const ws of window.__sockets || []) ws.close(4000, 'test: network cut');
    for (const pc of window.__pcs || []) pc.close();
  });
}

/**
 * Writes a WAV file of a steady 440 Hz tone (for --use-file-for-fake-audio-capture): Chromium's
 * default fake microphone only beeps now and then, too little to be anyone's active speaker.
 * Returns {path, remove()}.
 */
function toneFile(seconds = 120) {
  const fs = require('node:fs');
  const os = require('node:os');
  const path = require('node:path');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amphi-tone-'));
  const file = path.join(dir, 'tone.wav');
  const rate = 48000;
  const samples = rate * seconds;
  const buf = Buffer.alloc(44 + samples * 2);
  buf.write('RIFF', 0);
  buf.writeUInt32LE(36 + samples * 2, 4);
  buf.write('WAVEfmt ', 8);
  buf.writeUInt32LE(16, 16); // fmt chunk size
  buf.writeUInt16LE(1, 20); // PCM
  buf.writeUInt16LE(1, 22); // mono
  buf.writeUInt32LE(rate, 24);
  buf.writeUInt32LE(rate * 2, 28); // byte rate
  buf.writeUInt16LE(2, 32); // block align
  buf.writeUInt16LE(16, 34); // bits per sample
  buf.write('data', 36);
  buf.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++) buf.writeInt16LE(Math.round(16000 * Math.sin((2 * Math.PI * 440 * i) / rate)), 44 + i * 2);
  fs.writeFileSync(file, buf);
  return { path: file, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

module.exports = {
  toneFile, instrument, joinRoom, tiles, inbound, outbound, flow, waitFor, remoteTilesWithVideo, cutConnections };
