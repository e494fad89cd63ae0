// Metrics move when three browsers meet (issue 10, O5): three headless Chromium participants
// join one room through the real server; /metrics (served on its own address with
// [metrics] listen, as an operator would set it) shows 3 connected participants, an open room,
// and forwarded packets and bytes growing; after they leave, 0 participants.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { startAmphi, addUser, addRoom } = require('../lib/amphi.js');
const { launch } = require('../lib/browser.js');
const { instrument, joinRoom, waitFor, remoteTilesWithVideo } = require('../lib/media.js');

/** The value of one series (`name` or `name{labels}`), or the sum of a family's series. */
function metric(text, series) {
  let total = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !line.trim()) continue;
    const at = line.lastIndexOf(' ');
    const key = line.slice(0, at);
    const family = key.split('{')[0];
    if (key === series || (!series.includes('{') && family === series)) {
      total = (total || 0) + Number(line.slice(at + 1));
    }
  }
  return total;
}

test('/metrics counts three browsers meeting, forwarding, and leaving', async (t) => {
  const server = await startAmphi({ env: { AMPHI_METRICS_LISTEN: '127.0.0.1:0' } });
  t.after(() => server.stop());
  const m = /^amphi: metrics on (\S+)$/m.exec(server.logs());
  assert.ok(m, `the metrics address is printed:\n${server.logs()}`);
  const metricsUrl = m[1];
  const scrape = async () => {
    const r = await fetch(metricsUrl);
    assert.equal(r.status, 200);
    return r.text();
  };
  // The main listener no longer serves it.
  assert.equal((await fetch(`${server.url}/metrics`)).status, 404);

  addUser(server, 'owner@example.org', 'correct horse battery staple');
  const roomUrl = addRoom(server, 'Metrics check', 'owner@example.org');
  let text = await scrape();
  assert.equal(metric(text, 'amphi_rooms_open'), 1, 'the open room is counted');
  assert.equal(metric(text, 'amphi_participants{state="connected"}'), 0);
  const forwardedBefore = metric(text, 'amphi_sfu_packets_forwarded_total');
  assert.equal(forwardedBefore, 0);

  const people = [];
  t.after(async () => {
    for (const p of people) await p.context.close().catch(() => {});
  });
  for (const name of ['Alice', 'Bob', 'Carol']) {
    const context = await launch({ viewport: { width: 800, height: 600 } });
    await instrument(context);
    const page = await context.newPage();
    people.push({ name, context, page });
    await joinRoom(page, roomUrl, name);
  }
  for (const p of people) {
    await waitFor(async () => (await remoteTilesWithVideo(p.page)).length === 2,
      { timeoutMs: 30000, what: `${p.name} to show both others' video` });
  }

  text = await scrape();
  assert.equal(metric(text, 'amphi_participants{state="connected"}'), 3, 'three participants');
  assert.equal(metric(text, 'amphi_live_rooms'), 1);
  assert.ok(metric(text, 'amphi_sfu_peer_connections') >= 6, 'two peer connections each');
  const packets1 = metric(text, 'amphi_sfu_packets_forwarded_total');
  const bytes1 = metric(text, 'amphi_sfu_bytes_forwarded_total');
  await new Promise((r) => setTimeout(r, 2000));
  text = await scrape();
  const packets2 = metric(text, 'amphi_sfu_packets_forwarded_total');
  const bytes2 = metric(text, 'amphi_sfu_bytes_forwarded_total');
  console.log(`# forwarded over 2 s: ${packets2 - packets1} packets, ${bytes2 - bytes1} bytes`);
  // Each of 3 people receives 2 others' audio (50 packets/s) and video: hundreds per second.
  assert.ok(packets2 - packets1 > 300, `forwarded packets grow (${packets1} -> ${packets2})`);
  assert.ok(bytes2 - bytes1 > 100000, `forwarded bytes grow (${bytes1} -> ${bytes2})`);
  for (const name of ['amphi_sfu_packets_received_total', 'amphi_sfu_nacks_received_total',
    'amphi_sfu_keyframe_requests_received_total', 'amphi_webhook_deliveries_pending',
    'amphi_mail_failures_total', 'amphi_joins_total']) {
    assert.notEqual(metric(text, name), null, `${name} is exposed`);
  }
  assert.ok(metric(text, 'amphi_joins_total') >= 3);

  for (const p of people) await p.page.getByRole('button', { name: 'Leave' }).click();
  await waitFor(async () => metric(await scrape(), 'amphi_participants{state="connected"}') === 0,
    { timeoutMs: 15000, what: 'the participant gauge to fall back to 0' });
  text = await scrape();
  assert.equal(metric(text, 'amphi_participants{state="reconnecting"}'), 0, 'nobody lingers as reconnecting');
  assert.ok(metric(text, 'amphi_sfu_packets_forwarded_total') >= packets2, 'counters never go down');
});
