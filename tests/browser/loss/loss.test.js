// Issue "Loss": with 2 % packet loss injected on loopback, a subscriber's video keeps decoding
// (no freeze over 1 s, frame rate >= 80 % of the loss-free run) and the SFU sends <= 2
// retransmissions per lost packet.
//
// Run inside the lossy namespace: `tests/lib/lossy-netns 2 node --test tests/browser/loss/`.
// Two Chromium participants meet; the same pair is measured twice, first with the drop rule
// off (the baseline), then at the namespace's loss, 20 s each. Bob's view of Alice's camera is
// sampled every 100 ms in the page (inbound-rtp: framesDecoded, freezes, packetsLost, NACKs);
// the SFU's figures come from /metrics, and the kernel's own drop counters say how many video
// packets were really lost on the way out of the SFU. Outside the namespace the test skips.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { startAmphi, addUser, addRoom } = require('../../lib/amphi.js');
const { launch } = require('../../lib/browser.js');
const { instrument, joinRoom, tiles, outbound, waitFor } = require('../../lib/media.js');
const { ambientLoss, setLoss, lossCounters } = require('../../lib/loss.js');

const PERCENT = ambientLoss();
const MEASURE_MS = Number(process.env.AMPHI_LOSS_MEASURE_MS || 20000);
const SETTLE_MS = 3000;
// Below the kernel's ephemeral ports (Chromium's sockets), so the source port tells the SFU's
// packets apart.
const SFU_PORTS = [20000, 20199];

/** The SFU's figures (amphi_sfu_*) from /metrics, by series (name with labels). */
async function sfuMetrics(server) {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const out = {};
  for (const line of text.split('\n')) {
    const m = /^(amphi_sfu_\S+) (\d+)$/.exec(line);
    if (m) out[m[1]] = Number(m[2]);
  }
  assert.ok('amphi_sfu_retransmissions_sent_total' in out, `the SFU's counters are in /metrics:\n${text}`);
  return out;
}

const diff = (after, before) => Object.fromEntries(Object.keys(after).map((k) => [k, after[k] - (before[k] || 0)]));

/**
 * Samples, in the page, the inbound-rtp stats of the video track `trackId` every 100 ms for `ms`.
 * Returns the samples and the figures: frame rate, longest stall between two decoded frames,
 * and Chrome's own freeze, loss and NACK counts over the window.
 */
async function watchVideo(page, trackId, ms) {
  const samples = await page.evaluate(async ({ trackId, ms }) => {
    const find = async () => {
      for (const pc of window.__pcs || []) {
        if (pc.connectionState === 'closed') continue;
        let found = null;
        (await pc.getStats()).forEach((r) => {
          if (r.type === 'inbound-rtp' && r.trackIdentifier === trackId) found = r;
        });
        if (found) return found;
      }
      return null;
    };
    const out = [];
    const end = performance.now() + ms;
    while (performance.now() < end) {
      const r = await find();
      if (r) {
        out.push({
          t: performance.now(), framesDecoded: r.framesDecoded || 0, freezeCount: r.freezeCount || 0,
          totalFreezesDuration: r.totalFreezesDuration || 0, packetsLost: r.packetsLost || 0,
          packetsReceived: r.packetsReceived || 0, bytesReceived: r.bytesReceived || 0, nackCount: r.nackCount || 0, pliCount: r.pliCount || 0,
          frameWidth: r.frameWidth || 0, frameHeight: r.frameHeight || 0,
        });
      }
      await new Promise((res) => setTimeout(res, 100));
    }
    return out;
  }, { trackId, ms });
  assert.ok(samples.length >= ms / 400, `sampled ${samples.length} times in ${ms} ms`);
  const first = samples[0];
  const last = samples[samples.length - 1];
  // The longest time the picture stood still: from the last sample with a new frame to the next
  // one (100 ms sampling), including a stall still running at the end.
  let longestStall = 0;
  let lastNew = first;
  for (const s of samples) {
    if (s.framesDecoded > lastNew.framesDecoded) {
      longestStall = Math.max(longestStall, s.t - lastNew.t);
      lastNew = s;
    }
  }
  longestStall = Math.max(longestStall, last.t - lastNew.t);
  return {
    seconds: +((last.t - first.t) / 1000).toFixed(1),
    fps: +((last.framesDecoded - first.framesDecoded) / ((last.t - first.t) / 1000)).toFixed(1),
    kbps: Math.round((last.bytesReceived - first.bytesReceived) * 8 / (last.t - first.t)),
    longestStallMs: Math.round(longestStall),
    freezes: last.freezeCount - first.freezeCount,
    freezesMs: Math.round((last.totalFreezesDuration - first.totalFreezesDuration) * 1000),
    packetsReceived: last.packetsReceived - first.packetsReceived,
    packetsLost: last.packetsLost - first.packetsLost,
    nacks: last.nackCount - first.nackCount,
    plis: last.pliCount - first.pliCount,
    size: `${last.frameWidth}x${last.frameHeight}`,
  };
}

/** What a page sends on its video: frames encoded per layer, NACKs it got, packets it resent. */
async function sent(page) {
  const out = { framesEncoded: {}, nacks: 0, retransmitted: 0 };
  const streams = await page.evaluate(async () => {
    const list = [];
    for (const pc of window.__pcs || []) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((r) => {
        if (r.type === 'outbound-rtp' && r.kind === 'video') {
          list.push({ rid: r.rid || '-', framesEncoded: r.framesEncoded || 0, nackCount: r.nackCount || 0,
            retransmittedPacketsSent: r.retransmittedPacketsSent || 0 });
        }
      });
    }
    return list;
  });
  for (const s of streams) {
    out.framesEncoded[s.rid] = (out.framesEncoded[s.rid] || 0) + s.framesEncoded;
    out.nacks += s.nackCount;
    out.retransmitted += s.retransmittedPacketsSent;
  }
  return out;
}

/** One measured window at `percent` loss: Bob watching Alice, the SFU, the kernel. */
async function measure(server, alice, bob, trackId, percent) {
  setLoss(percent, { sfuPorts: SFU_PORTS });
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  const [sfu0, net0, up0] = [await sfuMetrics(server), lossCounters(), await sent(alice.page)];
  const video = await watchVideo(bob.page, trackId, MEASURE_MS);
  const [sfu1, net1, up1] = [await sfuMetrics(server), lossCounters(), await sent(alice.page)];
  const sfu = diff(sfu1, sfu0);
  const net = diff(net1, net0);
  const encodedFps = Object.fromEntries(Object.keys(up1.framesEncoded).map(
    (rid) => [rid, +((up1.framesEncoded[rid] - (up0.framesEncoded[rid] || 0)) / video.seconds).toFixed(1)]));
  const rtx = sfu.amphi_sfu_retransmissions_sent_total;
  const lost = net.down_video_dropped;
  return {
    percent,
    bob: video,
    aliceEncodedFps: encodedFps,
    aliceGotNacks: up1.nacks - up0.nacks,
    aliceResent: up1.retransmitted - up0.retransmitted,
    sfu: {
      received: sfu.amphi_sfu_packets_received_total,
      forwarded: sfu.amphi_sfu_packets_forwarded_total,
      duplicates: sfu.amphi_sfu_duplicate_packets_total,
      nacksReceived: sfu.amphi_sfu_nacks_received_total,
      nacksSent: sfu.amphi_sfu_nacks_sent_total,
      retransmissionsSent: rtx,
      retransmissionsMissed: sfu.amphi_sfu_retransmissions_missed_total,
      keyframeRequestsReceived: sfu.amphi_sfu_keyframe_requests_received_total,
      keyframeRequestsSent: sfu.amphi_sfu_keyframe_requests_sent_total,
      layerSwitches: sfu.amphi_sfu_layer_switches_total,
      droppedQueueFull: sfu['amphi_sfu_dropped_packets_total{reason="queue_full"}'],
    },
    kernel: net,
    // Every video packet the kernel dropped on its way from the SFU to a subscriber (both
    // subscribers, retransmissions included) against every retransmission the SFU sent.
    retransmissionsPerLostPacket: lost > 0 ? +(rtx / lost).toFixed(2) : null,
  };
}

test('Loss: at the namespace\'s loss a subscriber\'s video keeps decoding and the SFU resends each lost packet at most twice',
  { skip: PERCENT === null ? 'needs tests/lib/lossy-netns PERCENT node --test tests/browser/loss/' : false },
  async (t) => {
    const server = await startAmphi({
      env: { AMPHI_MEDIA_UDP_PORT_MIN: String(SFU_PORTS[0]), AMPHI_MEDIA_UDP_PORT_MAX: String(SFU_PORTS[1]) },
    });
    t.after(() => server.stop());
    addUser(server, 'owner@example.org', 'correct horse battery staple');
    const roomUrl = addRoom(server, 'Loss', 'owner@example.org');

    // Joining happens loss-free: the test is about media flowing, not about ICE under loss.
    setLoss(0, { sfuPorts: SFU_PORTS });
    const people = [];
    t.after(async () => {
      for (const p of people) await p.context.close();
    });
    for (const name of ['Alice', 'Bob']) {
      const context = await launch({ viewport: { width: 960, height: 640 } });
      await instrument(context);
      const page = await context.newPage();
      page.on('pageerror', (e) => console.log(`[${name} pageerror]`, e.message));
      people.push({ name, context, page });
      await joinRoom(page, roomUrl, name);
    }
    const [alice, bob] = people;
    const tile = await waitFor(async () => (await tiles(bob.page)).find(
      (x) => !x.local && !x.screen && x.label && x.label.includes('Alice') && x.videoWidth > 0 && x.videoTrackId),
    { timeoutMs: 20000, what: 'Bob to show Alice\'s video' }).catch(async (e) => {
      throw new Error(`${e.message}; Bob's tiles: ${JSON.stringify(await tiles(bob.page))}`);
    });

    const baseline = await measure(server, alice, bob, tile.videoTrackId, 0);
    console.log(`# loss 0 % (baseline): ${JSON.stringify(baseline)}`);
    assert.ok(baseline.bob.fps >= 5, `Bob decodes Alice's video without loss (${baseline.bob.fps} fps)`);
    assert.ok(baseline.bob.longestStallMs <= 1000, `no freeze over 1 s without loss (${baseline.bob.longestStallMs} ms)`);
    if (PERCENT === 0) return;

    const lossy = await measure(server, alice, bob, tile.videoTrackId, PERCENT);
    console.log(`# loss ${PERCENT} %: ${JSON.stringify(lossy)}`);
    const ratio = lossy.bob.fps / baseline.bob.fps;
    console.log(`# summary: fps baseline ${baseline.bob.fps}, at ${PERCENT} % ${lossy.bob.fps} (${(ratio * 100).toFixed(0)} %); `
      + `longest freeze ${baseline.bob.longestStallMs} -> ${lossy.bob.longestStallMs} ms; `
      + `Bob receives ${baseline.bob.kbps} -> ${lossy.bob.kbps} kbit/s at ${lossy.bob.size}; `
      + `video packets dropped SFU->subscribers ${lossy.kernel.down_video_dropped} of ${lossy.kernel.down_video_seen}, `
      + `publisher->SFU ${lossy.kernel.up_video_dropped} of ${lossy.kernel.up_video_seen}; `
      + `Bob: lost ${lossy.bob.packetsLost} (after repair), NACKs ${lossy.bob.nacks}; `
      + `SFU: NACKs received ${lossy.sfu.nacksReceived}, retransmissions ${lossy.sfu.retransmissionsSent} `
      + `(${lossy.retransmissionsPerLostPacket} per lost packet), missed ${lossy.sfu.retransmissionsMissed}`);

    // The loss was real, and repaired: otherwise the figures below prove nothing.
    assert.ok(lossy.kernel.down_video_dropped >= 10,
      `the kernel dropped video on the SFU's downlinks (${lossy.kernel.down_video_dropped} of ${lossy.kernel.down_video_seen})`);
    assert.ok(lossy.bob.nacks > 0 && lossy.sfu.retransmissionsSent > 0,
      `Bob NACKed (${lossy.bob.nacks}) and the SFU retransmitted (${lossy.sfu.retransmissionsSent})`);

    assert.ok(lossy.bob.longestStallMs <= 1000, `no freeze over 1 s at ${PERCENT} % loss (${lossy.bob.longestStallMs} ms)`);
    assert.ok(ratio >= 0.8, `frame rate at ${PERCENT} % loss ${lossy.bob.fps} >= 80 % of ${baseline.bob.fps}`);
    assert.ok(lossy.retransmissionsPerLostPacket <= 2,
      `the SFU sent ${lossy.sfu.retransmissionsSent} retransmissions for ${lossy.kernel.down_video_dropped} lost video packets`);
  });
