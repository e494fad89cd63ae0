// Drives headless Chromium against the chrome_interop example (see its header).
// CODEC=H264 to publish H.264 instead of VP8; NO_SIMULCAST=1 for a single encoding.
const path = require('path');
const { spawn } = require('child_process');
const readline = require('readline');
const { chromium } = require(require.resolve('playwright-core', { paths: [path.join(__dirname, '../../../tests')] }));

const RUN_SECS = parseInt(process.env.RUN_SECS || '18');
const BIN = process.env.SFU_BIN
  || path.join(process.env.CARGO_TARGET_DIR || path.join(__dirname, '../../../target'), 'debug/examples/chrome_interop');

(async () => {
  const sfu = spawn(BIN, [], { stdio: ['pipe', 'pipe', 'inherit'] });
  const rl = readline.createInterface({ input: sfu.stdout });
  const queue = []; let waiter = null; let lastStats = '';
  rl.on('line', (l) => {
    let m; try { m = JSON.parse(l); } catch { return; }
    if (m.type === 'stats') { lastStats = m.stats; return; }
    if (waiter) { const w = waiter; waiter = null; w(m); } else queue.push(m);
  });
  const next = () => (queue.length ? Promise.resolve(queue.shift()) : new Promise((r) => (waiter = r)));
  const send = (m) => sfu.stdin.write(JSON.stringify(m) + '\n');

  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
      '--allow-loopback-in-peer-connection', '--disable-features=WebRtcHideLocalIpsWithMdns'],
  });
  const page = await browser.newPage();
  page.on('console', (m) => console.log('[page]', m.text()));
  const http = require('http');
  const srv = http.createServer((q, r) => r.end('<html><body>interop</body></html>'));
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  await page.goto(`http://localhost:${srv.address().port}/`);
  console.log('[drive] browser', browser.version());

  const offer = await page.evaluate(async ({ noSim, codec }) => {
    const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 1280, height: 720, frameRate: 30 }, audio: true });
    const pc = (window.pubPc = new RTCPeerConnection());
    const t = pc.addTransceiver(stream.getVideoTracks()[0], {
      direction: 'sendonly',
      sendEncodings: noSim ? undefined : [{ rid: 'q', scaleResolutionDownBy: 4 }, { rid: 'h', scaleResolutionDownBy: 2 }, { rid: 'f' }],
    });
    if (codec) {
      const caps = RTCRtpSender.getCapabilities('video').codecs;
      t.setCodecPreferences([...caps.filter((c) => c.mimeType === 'video/' + codec), ...caps.filter((c) => c.mimeType !== 'video/' + codec)]);
    }
    pc.addTransceiver(stream.getAudioTracks()[0], { direction: 'sendonly' });
    pc.onconnectionstatechange = () => console.log('pub pc ' + pc.connectionState);
    await pc.setLocalDescription();
    await new Promise((r) => { if (pc.iceGatheringState === 'complete') r(); pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && r(); });
    return pc.localDescription.sdp;
  }, { noSim: !!process.env.NO_SIMULCAST, codec: process.env.CODEC || '' });
  if (process.env.DUMP) console.log('[drive] PUB OFFER\n' + offer);
  send({ type: 'publish_offer', sdp: offer });
  const ans = await next();
  await page.evaluate(async (sdp) => { await window.pubPc.setRemoteDescription({ type: 'answer', sdp }); }, ans.sdp);
  await page.evaluate(() => {
    const pc = (window.subPc = new RTCPeerConnection());
    window.subKinds = [];
    pc.ontrack = (e) => window.subKinds.push(e.track.kind);
    pc.onconnectionstatechange = () => console.log('sub pc ' + pc.connectionState);
  });
  // Answer every subscriber offer as it comes (the SFU sends one at a time).
  (async () => {
    for (;;) {
      const m = await next();
      if (m.type !== 'subscribe_offer') continue;
      const sdp = await page.evaluate(async (sdp) => {
        const pc = window.subPc;
        await pc.setRemoteDescription({ type: 'offer', sdp });
        await pc.setLocalDescription();
        return pc.localDescription.sdp;
      }, m.sdp);
      if (process.env.DUMP) console.log('[drive] SUB OFFER\n' + m.sdp + '\n[drive] SUB ANSWER\n' + sdp);
      send({ type: 'subscribe_answer', sdp });
    }
  })();

  const results = [];
  for (let i = 1; i <= RUN_SECS; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    if (i === 6) send({ type: 'size', height: 180 });
    if (i === 12) send({ type: 'size', height: 720 });
    const s = await page.evaluate(async () => {
      const out = { pub: [], subV: null, subA: null, kinds: window.subKinds };
      (await window.pubPc.getStats()).forEach((r) => {
        if (r.type === 'outbound-rtp' && r.kind === 'video')
          out.pub.push(`${r.rid || '-'}:${r.frameWidth || 0}x${r.frameHeight || 0} nack=${r.nackCount} rtx=${r.retransmittedPacketsSent} pli=${r.pliCount} bwe-limit=${r.qualityLimitationReason}`);
      });
      (await window.subPc.getStats()).forEach((r) => {
        if (r.type === 'inbound-rtp' && r.kind === 'video')
          out.subV = { ssrc: r.ssrc, recv: r.packetsReceived, lost: r.packetsLost, decoded: r.framesDecoded, kf: r.keyFramesDecoded, nack: r.nackCount, pli: r.pliCount, freeze: r.freezeCount, w: r.frameWidth || 0, h: r.frameHeight || 0, codec: r.codecId };
        if (r.type === 'inbound-rtp' && r.kind === 'audio')
          out.subA = { ssrc: r.ssrc, recv: r.packetsReceived, lost: r.packetsLost, level: +(r.audioLevel ?? 0).toFixed(3) };
      });
      return out;
    });
    results.push(s);
    console.log(`[drive] t=${i}s pub=${JSON.stringify(s.pub)} | sub video ${JSON.stringify(s.subV)} | sub audio ${JSON.stringify(s.subA)}`);
  }
  console.log('[drive] sfu stats', lastStats);
  const at = (t) => results[t - 1].subV || {};
  const ok = at(RUN_SECS).decoded > 0 && results[RUN_SECS - 1].subA && results[RUN_SECS - 1].subA.recv > 0;
  const fps = (at(RUN_SECS).decoded - at(RUN_SECS - 5).decoded) / 5;
  console.log(`[drive] RESULT fps(last 5 s)=${fps} decoded=${at(RUN_SECS).decoded} size@5s=${at(5).w}x${at(5).h} size@11s=${at(11).w}x${at(11).h} size@${RUN_SECS}s=${at(RUN_SECS).w}x${at(RUN_SECS).h} audio=${JSON.stringify(results[RUN_SECS - 1].subA)} => ${ok ? 'OK' : 'FAIL'}`);
  await browser.close();
  srv.close();
  sfu.kill();
  process.exit(ok ? 0 : 1);
})().catch((e) => { console.error('[drive] error', e); process.exit(1); });
