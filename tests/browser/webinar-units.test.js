// The webinar client's parts, run in the real browser against the files the server serves:
// the connection test's rating and advice (thresholds), stage requests built from the server's
// stage shape, the scheduled time in two zones, the stage drawn in its three layouts from real
// (canvas) video tracks, and the stage editor sending whole stages. No session is needed.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { startAmphi } = require('../lib/amphi.js');
const { launch } = require('../lib/browser.js');
const { assertLocalesMatch } = require('../lib/locales.js');

test('webinar client units: connection rating, stage requests, schedule, stage layouts, editor', async (t) => {
  const server = await startAmphi();
  t.after(() => server.stop());
  const context = await launch();
  t.after(() => context.close());
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${server.url}/healthz`);

  const net = await page.evaluate(async () => {
    const { assess, median, mbps } = await import('/static/js/room/nettest.js');
    return {
      median: [median([5, 1, 3]), median([4, 1, 3, 2]), median([])],
      mbps: [mbps(4 * 1024 * 1024, 1000), mbps(0, 10)],
      good: assess({ rttMs: 20, downloadMbps: 50, uploadMbps: 20 }),
      fair: assess({ rttMs: 200, downloadMbps: 2, uploadMbps: 1 }),
      poor: assess({ rttMs: 400, downloadMbps: 1, uploadMbps: 0.5 }),
      edges: assess({ rttMs: 150, downloadMbps: 4, uploadMbps: 2.5 }),
      unknown: assess({ rttMs: null, downloadMbps: null, uploadMbps: null }),
      uploadOnly: assess({ rttMs: 10, downloadMbps: 100, uploadMbps: 0.3 }),
    };
  });
  assert.deepEqual(net.median, [3, 2.5, null]);
  assert.ok(Math.abs(net.mbps[0] - 33.554432) < 1e-6, String(net.mbps[0]));
  assert.equal(net.mbps[1], null);
  assert.deepEqual(net.good, { rating: { rtt: 'good', download: 'good', upload: 'good' }, overall: 'good', advice: [] });
  assert.deepEqual(net.fair.rating, { rtt: 'fair', download: 'fair', upload: 'fair' });
  assert.deepEqual(net.fair.advice, ['net_advice_upload_fair', 'net_advice_download_fair', 'net_advice_rtt_fair', 'net_advice_general']);
  assert.equal(net.poor.overall, 'poor');
  assert.deepEqual(net.poor.advice, ['net_advice_upload_poor', 'net_advice_download_poor', 'net_advice_rtt_poor', 'net_advice_general']);
  assert.equal(net.edges.overall, 'good', 'the thresholds themselves are good');
  assert.equal(net.unknown.overall, 'unknown');
  assert.deepEqual(net.uploadOnly, { rating: { rtt: 'good', download: 'good', upload: 'poor' }, overall: 'poor', advice: ['net_advice_upload_poor', 'net_advice_general'] });

  const requests = await page.evaluate(async () => {
    const { stageRequest, sessionSocketUrl } = await import('/static/js/protocol.js');
    return {
      fromUpdate: stageRequest({ layout: 'content', members: [{ participant_id: 'p-1', name: 'Sam' }, { participant_id: 'p-2', name: 'Olivia' }],
        content: { kind: 'pdf', content_id: 'c-5', name: 'deck.pdf', page: 3, pages: 12, url: '/s/x/content/c-5/page/3' } }),
      screen: stageRequest({ layout: 'speaker', members: ['p-1', 'p-1'], content: { kind: 'screen', participant_id: 'p-1', name: 'Sam', publication_id: 'pub-9' } }),
      video: stageRequest({ layout: 'bogus', members: [], content: { kind: 'video', content_id: 'c-7', playing: true, position_ms: 5 } }),
      empty: stageRequest(null),
      url: sessionSocketUrl('launch 2030', { protocol: 'https:', host: 'amphi.example' }),
    };
  });
  assert.deepEqual(requests.fromUpdate, { layout: 'content', members: ['p-1', 'p-2'], content: { kind: 'pdf', content_id: 'c-5', page: 3 } });
  assert.deepEqual(requests.screen, { layout: 'speaker', members: ['p-1'], content: { kind: 'screen', participant_id: 'p-1' } });
  assert.deepEqual(requests.video, { layout: 'grid', members: [], content: { kind: 'video', content_id: 'c-7' } });
  assert.deepEqual(requests.empty, { layout: 'grid', members: [], content: null });
  assert.equal(requests.url, 'wss://amphi.example/s/launch%202030/ws');

  const schedule = await page.evaluate(async () => {
    const { formatSchedule, parseTime } = await import('/static/js/webinar/schedule.js');
    const start = Date.UTC(2030, 2, 4, 13, 0);
    return {
      paris: formatSchedule({ startsAt: String(start), endsAt: String(start + 3600_000), timeZone: 'Europe/Paris', lang: 'en-GB' }),
      tokyo: formatSchedule({ startsAt: String(start), timeZone: 'Asia/Tokyo', lang: 'fr' }),
      badZone: formatSchedule({ startsAt: String(start), timeZone: 'Not/AZone', lang: 'en' }),
      iso: parseTime('2030-03-04T13:00:00Z')?.getTime(),
      none: formatSchedule({ startsAt: '' }),
      browserZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    };
  });
  assert.equal(schedule.paris.iso, '2030-03-04T13:00:00.000Z');
  assert.match(schedule.paris.zoned, /14:00/, 'Paris is UTC+1 in March');
  assert.match(schedule.paris.zoned, /15:00/, 'the end time is shown too');
  assert.equal(schedule.paris.zone, 'Europe/Paris');
  assert.match(schedule.tokyo.zoned, /22:00/, 'Tokyo is UTC+9');
  assert.match(schedule.tokyo.zoned, /mars/, 'in the page language');
  assert.equal(schedule.badZone.zoned, null, 'an unknown zone shows the local time alone');
  assert.ok(schedule.badZone.local.length > 0);
  assert.equal(schedule.iso, Date.UTC(2030, 2, 4, 13, 0));
  assert.equal(schedule.none, null);

  // The stage with real video tracks (canvas captures), in its three layouts.
  const layouts = await page.evaluate(async () => {
    const { Stage } = await import('/static/js/webinar/stage.js');
    const { addBundles, setLanguage } = await import('/static/js/room/i18n.js');
    addBundles('webinar');
    await setLanguage('en');
    const box = document.createElement('div');
    box.style.cssText = 'width: 800px; height: 450px';
    document.body.append(box);
    const track = (color) => {
      const c = document.createElement('canvas');
      c.width = 320;
      c.height = 180;
      const g = c.getContext('2d');
      setInterval(() => { g.fillStyle = color; g.fillRect(0, 0, 320, 180); }, 50);
      return c.captureStream(20).getVideoTracks()[0];
    };
    const sizes = [];
    const stage = new Stage(box, { slug: 's', playAudio: false, onVideoSize: (...a) => sizes.push(a) });
    stage.setTrack({ publicationId: 'pub-a', participantId: 'p-a', source: 'camera', kind: 'video', track: track('red') });
    stage.setTrack({ publicationId: 'pub-b', participantId: 'p-b', source: 'camera', kind: 'video', track: track('blue') });
    stage.setTrack({ publicationId: 'pub-s', participantId: 'p-b', source: 'screen', kind: 'video', track: track('green') });
    const shot = () => ({
      layout: stage.el.dataset.layout,
      empty: !stage.empty.hidden,
      main: [...stage.main.children].map((e) => e.dataset.participantId || e.className),
      strip: [...stage.strip.children].map((e) => e.dataset.participantId || e.className),
      names: [...stage.el.querySelectorAll('.stage-name')].map((e) => e.textContent),
      label: stage.el.getAttribute('aria-label'),
    });
    const out = {};
    out.empty = shot();
    const members = [{ participant_id: 'p-a', name: 'Ann' }, { participant_id: 'p-b', name: 'Bob' }];
    stage.update({ layout: 'grid', members, content: null });
    out.grid = shot();
    stage.update({ layout: 'speaker', members, content: null });
    out.speakerFirst = shot();
    stage.setActiveSpeaker('p-b');
    out.speakerActive = shot();
    stage.update({ layout: 'content', members, content: { kind: 'screen', participant_id: 'p-b', name: 'Bob', publication_id: 'pub-s' } });
    out.content = shot();
    await new Promise((r) => setTimeout(r, 800));
    out.playing = [...stage.el.querySelectorAll('video')].map((v) => v.videoWidth);
    stage.update({ layout: 'content', members: [members[1]], content: null });
    out.contentWithout = shot();
    out.sizes = sizes.length;
    stage.destroy();
    return out;
  });
  assert.equal(layouts.empty.empty, true);
  assert.equal(layouts.empty.label, 'Stage');
  assert.deepEqual(layouts.grid.main, [], 'grid: nobody large');
  assert.deepEqual(layouts.grid.strip, ['p-a', 'p-b']);
  assert.deepEqual(layouts.grid.names, ['Ann', 'Bob']);
  assert.deepEqual(layouts.speakerFirst.main, ['p-a'], 'speaker: the first member without an active speaker');
  assert.deepEqual(layouts.speakerActive.main, ['p-b'], 'speaker: the active speaker');
  assert.deepEqual(layouts.speakerActive.strip, ['p-a']);
  assert.deepEqual(layouts.content.main, ['stage-content stage-content-screen'], 'content: the screen large');
  assert.deepEqual(layouts.content.strip, ['p-a', 'p-b']);
  assert.ok(layouts.content.names.includes('Screen of Bob'), JSON.stringify(layouts.content.names));
  assert.ok(layouts.playing.length === 3 && layouts.playing.every((w) => w === 320), `videos play: ${layouts.playing}`);
  assert.deepEqual(layouts.contentWithout.main, [], 'content layout with no content falls back to the grid');
  assert.deepEqual(layouts.contentWithout.strip, ['p-b']);
  assert.ok(layouts.sizes > 0, 'shown sizes are reported for the simulcast layer');

  // The stage plays its own sound only: members' microphones and the staged screen's sound.
  const sound = await page.evaluate(async () => {
    const { Stage } = await import('/static/js/webinar/stage.js');
    const ctx = new AudioContext();
    const audio = () => ctx.createMediaStreamDestination().stream.getAudioTracks()[0];
    const stage = new Stage(document.createElement('div'), { slug: 's', playAudio: true });
    const add = (publicationId, participantId, source) => stage.setTrack({ publicationId, participantId, source, kind: 'audio', track: audio() });
    add('mic-a', 'p-a', 'microphone');
    add('mic-b', 'p-b', 'microphone');
    add('scr-b', 'p-b', 'screen_audio');
    add('mic-c', 'p-c', 'microphone');
    const playing = () => [...stage.audios.keys()].sort();
    const out = {};
    stage.update({ layout: 'grid', members: [{ participant_id: 'p-a', name: 'Ann' }], content: null });
    out.one = playing();
    stage.update({ layout: 'content', members: [{ participant_id: 'p-a', name: 'Ann' }], content: { kind: 'screen', participant_id: 'p-b', name: 'Bob', publication_id: 'x' } });
    out.screen = playing();
    stage.update(null);
    out.none = playing();
    const preview = new Stage(document.createElement('div'), { slug: 's', playAudio: false });
    preview.setTrack({ publicationId: 'mic-a', participantId: 'p-a', source: 'microphone', kind: 'audio', track: audio() });
    preview.update({ layout: 'grid', members: [{ participant_id: 'p-a', name: 'Ann' }], content: null });
    out.preview = [...preview.audios.keys()];
    return out;
  });
  assert.deepEqual(sound, { one: ['mic-a'], screen: ['mic-a', 'scr-b'], none: [], preview: [] });

  // The editor sends whole stages; a PDF keeps its page when chosen again.
  const editor = await page.evaluate(async () => {
    const { StageEditor } = await import('/static/js/webinar/stage_editor.js');
    const sent = [];
    const ed = new StageEditor({ onChange: (s) => sent.push(s) });
    document.body.append(ed.el);
    ed.setContents([{ content_id: 'c-1', kind: 'pdf', name: 'deck.pdf', status: 'ready' }, { content_id: 'c-2', kind: 'video', name: 'v.mp4', status: 'processing' }]);
    ed.setState({
      staff: [{ id: 'p-me', name: 'Olivia', self: true }, { id: 'p-sam', name: 'Sam' }],
      screens: [{ participantId: 'p-sam', name: 'Sam' }],
      stage: { layout: 'grid', members: [{ participant_id: 'p-me', name: 'Olivia' }], content: { kind: 'pdf', content_id: 'c-1', page: 4, pages: 9 } },
    });
    const labels = [...ed.el.querySelectorAll('.stage-members-choice label')].map((l) => l.textContent);
    const checked = [...ed.el.querySelectorAll('.stage-members-choice input')].map((i) => i.checked);
    const options = [...ed.el.querySelectorAll('#stage-content option')].map((o) => [o.value, o.textContent]);
    ed.el.querySelector('[data-participant-id="p-sam"]').click();
    ed.el.querySelector('#stage-layout-speaker').click();
    const select = ed.el.querySelector('#stage-content');
    select.value = 'screen:p-sam';
    select.dispatchEvent(new Event('change'));
    select.value = 'content:c-1';
    select.dispatchEvent(new Event('change'));
    select.value = '';
    select.dispatchEvent(new Event('change'));
    return { labels, checked, options, sent, value: select.value };
  });
  assert.deepEqual(editor.labels, ['Olivia (you)', 'Sam'].map((x) => x), JSON.stringify(editor.labels));
  assert.deepEqual(editor.checked, [true, false]);
  assert.deepEqual(editor.options.map((o) => o[0]), ['', 'screen:p-sam', 'content:c-1'], 'only ready content is offered');
  assert.deepEqual(editor.sent, [
    { layout: 'grid', members: ['p-me', 'p-sam'], content: { kind: 'pdf', content_id: 'c-1', page: 4 } },
    { layout: 'speaker', members: ['p-me'], content: { kind: 'pdf', content_id: 'c-1', page: 4 } },
    { layout: 'grid', members: ['p-me'], content: { kind: 'screen', participant_id: 'p-sam' } },
    { layout: 'grid', members: ['p-me'], content: { kind: 'pdf', content_id: 'c-1', page: 4 } },
    { layout: 'grid', members: ['p-me'], content: null },
  ], 'each change is the whole stage as the server last said, with that change');
  assert.deepEqual(errors, []);
});

test('the webinar and content strings exist in both languages, with the same placeholders', () => {
  assertLocalesMatch('webinar');
  assertLocalesMatch('content');
});
