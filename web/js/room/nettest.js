// The connection test of the check page (PRODUCT C1): round-trip time and throughput between
// this browser and the server (crates/server/src/nettest.rs), and advice when they are poor.
// No DOM here: check.js shows the result.
//
// How it measures:
// - round trip: 10 `GET /net/ping` one after the other, the median (the first request may
//   open a connection, and one slow answer should not make a good link look bad);
// - download: one `GET /net/download?bytes=4 MB`, read as it comes, stopped after 5 s; the
//   bytes received over the time taken (a slow link is measured on what arrived in 5 s);
// - upload: one `POST /net/upload` of 4 MB of random bytes, stopped after 5 s; the bytes the
//   browser reports sent over the time taken.
//
// Thresholds (what the advice is based on), from what a meeting needs:
// - round trip: good ≤ 150 ms; fair ≤ 300 ms (conversation feels delayed); poor above;
// - download: good ≥ 4 Mbit/s (a grid of small videos plus a large one); fair ≥ 1.5 Mbit/s
//   (one video at medium quality); poor below;
// - upload: good ≥ 2.5 Mbit/s (our camera's three simulcast layers, 2.15 Mbit/s); fair
//   ≥ 0.8 Mbit/s (the two lower layers); poor below (the camera will struggle: audio only).

export const PINGS = 10;
export const TRANSFER_BYTES = 4 * 1024 * 1024;
export const TRANSFER_TIMEOUT_MS = 5000;

export const THRESHOLDS = {
  rtt: { good: 150, fair: 300 }, // ms, lower is better
  download: { good: 4, fair: 1.5 }, // Mbit/s, higher is better
  upload: { good: 2.5, fair: 0.8 },
};

/** The median of a list of numbers (null for an empty list). */
export function median(values) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Megabits per second for `bytes` in `ms` (null when nothing was measured). */
export function mbps(bytes, ms) {
  if (!(bytes > 0) || !(ms > 0)) return null;
  return (bytes * 8) / (ms / 1000) / 1e6;
}

/**
 * Rates a result: {rtt, download, upload} each 'good' | 'fair' | 'poor' | 'unknown', overall the
 * worst known rating, and advice: locale keys of what to do, most important first.
 */
export function assess({ rttMs, downloadMbps, uploadMbps }) {
  const lowerBetter = (v, t) => (v === null || v === undefined ? 'unknown' : v <= t.good ? 'good' : v <= t.fair ? 'fair' : 'poor');
  const higherBetter = (v, t) => (v === null || v === undefined ? 'unknown' : v >= t.good ? 'good' : v >= t.fair ? 'fair' : 'poor');
  const rating = {
    rtt: lowerBetter(rttMs, THRESHOLDS.rtt),
    download: higherBetter(downloadMbps, THRESHOLDS.download),
    upload: higherBetter(uploadMbps, THRESHOLDS.upload),
  };
  const order = ['good', 'fair', 'poor'];
  const known = Object.values(rating).filter((r) => r !== 'unknown');
  const overall = known.length === 0 ? 'unknown' : known.reduce((a, b) => (order.indexOf(b) > order.indexOf(a) ? b : a));
  const advice = [];
  if (rating.upload === 'poor') advice.push('net_advice_upload_poor');
  else if (rating.upload === 'fair') advice.push('net_advice_upload_fair');
  if (rating.download === 'poor') advice.push('net_advice_download_poor');
  else if (rating.download === 'fair') advice.push('net_advice_download_fair');
  if (rating.rtt === 'poor') advice.push('net_advice_rtt_poor');
  else if (rating.rtt === 'fair') advice.push('net_advice_rtt_fair');
  if (overall === 'poor' || overall === 'fair') advice.push('net_advice_general');
  return { rating, overall, advice };
}

/** A refusal of the server (429: too many tests from this address) or a network failure. */
export class NetTestError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code; // 'rate_limited' | 'failed'
  }
}

async function checked(response) {
  if (response.status === 429) throw new NetTestError('rate_limited', 'too many connection tests');
  if (!response.ok) throw new NetTestError('failed', `HTTP ${response.status}`);
  return response;
}

/** Median round trip of `count` pings, in ms. */
export async function measureRtt({ base = '', count = PINGS } = {}) {
  const times = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await checked(await fetch(`${base}/net/ping?n=${i}`, { cache: 'no-store' }));
    times.push(performance.now() - start);
  }
  return { rttMs: median(times), samples: times };
}

/** Download throughput in Mbit/s over at most `bytes` and `timeoutMs`. */
export async function measureDownload({ base = '', bytes = TRANSFER_BYTES, timeoutMs = TRANSFER_TIMEOUT_MS } = {}) {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  const start = performance.now();
  let received = 0;
  try {
    const response = await checked(await fetch(`${base}/net/download?bytes=${bytes}`, { cache: 'no-store', signal: abort.signal }));
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      received += value.byteLength;
    }
  } catch (e) {
    // Stopped at the time limit: what arrived is the measure.
    if (e.name !== 'AbortError') throw e instanceof NetTestError ? e : new NetTestError('failed', String(e));
  } finally {
    clearTimeout(timer);
  }
  const ms = performance.now() - start;
  return { downloadMbps: mbps(received, ms), bytes: received, ms };
}

/** Random bytes (incompressible), filled 64 KiB at a time (getRandomValues' limit). */
function randomBody(bytes) {
  const body = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i += 65536) crypto.getRandomValues(body.subarray(i, Math.min(bytes, i + 65536)));
  return body;
}

/** Upload throughput in Mbit/s over at most `bytes` and `timeoutMs` (XHR: it reports progress). */
export function measureUpload({ base = '', bytes = TRANSFER_BYTES, timeoutMs = TRANSFER_TIMEOUT_MS } = {}) {
  const body = randomBody(bytes);
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    let sent = 0;
    let start = 0;
    const finish = () => {
      const ms = performance.now() - start;
      resolve({ uploadMbps: mbps(sent, ms), bytes: sent, ms });
    };
    xhr.upload.onprogress = (e) => { sent = e.loaded; };
    xhr.onload = () => {
      if (xhr.status === 429) return reject(new NetTestError('rate_limited', 'too many connection tests'));
      if (xhr.status !== 200) return reject(new NetTestError('failed', `HTTP ${xhr.status}`));
      try {
        sent = JSON.parse(xhr.responseText).bytes;
      } catch {
        /* keep the progress count */
      }
      return finish();
    };
    xhr.ontimeout = finish;
    xhr.onerror = () => reject(new NetTestError('failed', 'network error'));
    xhr.open('POST', `${base}/net/upload`);
    xhr.timeout = timeoutMs;
    xhr.setRequestHeader('content-type', 'application/octet-stream');
    start = performance.now();
    xhr.send(body);
  });
}

/**
 * Runs the whole test; `onStep(step, partialResult)` reports progress ('rtt', 'download',
 * 'upload'). Resolves {rttMs, downloadMbps, uploadMbps, ...assess()}.
 */
export async function runNetTest({ base = '', onStep = () => {} } = {}) {
  const result = { rttMs: null, downloadMbps: null, uploadMbps: null };
  onStep('rtt', { ...result });
  result.rttMs = (await measureRtt({ base })).rttMs;
  onStep('download', { ...result });
  result.downloadMbps = (await measureDownload({ base })).downloadMbps;
  onStep('upload', { ...result });
  result.uploadMbps = (await measureUpload({ base })).uploadMbps;
  return { ...result, ...assess(result) };
}
