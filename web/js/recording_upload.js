// A resumable upload of a recording (docs/operations.md, "Uploading a recording"): the file goes
// in chunks with their offset; after a network cut the client asks the server where it stands
// and goes on from there, so nothing is sent twice and nothing is lost. No DOM here.

const RETRY_DELAY_MS = 1000;
const MAX_RETRIES = 30;

/** A refusal from the server (wrong type, too large, not allowed): not retried. */
export class UploadRefused extends Error {
  constructor(message, code, status) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

async function refusal(res) {
  let body = {};
  try {
    body = await res.json();
  } catch {
    /* not JSON */
  }
  return new UploadRefused(body.error || `HTTP ${res.status}`, body.code || 'http', res.status);
}

/**
 * Uploads `blob` to `place` ('room:<slug>' or 'session:<slug>'). Calls onProgress(sent, total)
 * after each chunk and onRetry(attempt) when the connection drops. Resolves with the server's
 * last answer ({offset, recording: {id, page_url}}); rejects with UploadRefused.
 */
export async function uploadRecording(blob, { place, title = '', csrf, onProgress = () => {}, onRetry = () => {}, fetchImpl = fetch, retryDelay = RETRY_DELAY_MS } = {}) {
  const headers = { 'content-type': 'application/json', 'x-csrf-token': csrf };
  const begun = await fetchImpl('/recordings/uploads', {
    method: 'POST', headers, credentials: 'same-origin', body: JSON.stringify({ place, title, size: blob.size }),
  });
  if (!begun.ok) throw await refusal(begun);
  const { id, chunk_bytes: chunkBytes } = await begun.json();
  const url = `/recordings/uploads/${encodeURIComponent(id)}`;
  let offset = 0;
  let failures = 0;
  for (;;) {
    const end = Math.min(offset + chunkBytes, blob.size);
    let res;
    try {
      res = await fetchImpl(`${url}?offset=${offset}`, {
        method: 'PUT', headers: { 'x-csrf-token': csrf, 'content-type': 'application/octet-stream' },
        credentials: 'same-origin', body: blob.slice(offset, end),
      });
    } catch {
      // The network dropped: ask where the server stands, then go on from there.
      failures += 1;
      if (failures > MAX_RETRIES) throw new UploadRefused('connection lost', 'network', 0);
      onRetry(failures);
      await new Promise((r) => setTimeout(r, retryDelay));
      offset = await serverOffset(fetchImpl, url, offset);
      continue;
    }
    if (res.status === 409) {
      const body = await res.json().catch(() => ({}));
      offset = Number(body.offset) || 0;
      continue;
    }
    if (!res.ok) throw await refusal(res);
    failures = 0;
    const body = await res.json();
    offset = Number(body.offset);
    onProgress(offset, blob.size);
    if (offset >= blob.size) return body;
  }
}

/** The server's offset of an upload; on failure, the offset we had (the PUT will say). */
async function serverOffset(fetchImpl, url, fallback) {
  try {
    const res = await fetchImpl(url, { credentials: 'same-origin' });
    if (res.ok) return Number((await res.json()).offset) || 0;
    if (res.status === 404) throw await refusal(res);
  } catch (e) {
    if (e instanceof UploadRefused) throw e;
  }
  return fallback;
}
