// What the replay page and the session page share: polling a replay's JSON status until it
// is final, and the player (<video controls playsinline>, MP4 served with Range so phones seek).

const POLL_MS = 2000;

/** Calls onStatus(status) every 2 s with the JSON at `url` until it returns true. */
export function pollStatus(url, onStatus, { interval = POLL_MS } = {}) {
  let stopped = false;
  async function tick() {
    if (stopped) return;
    try {
      const res = await fetch(url, { credentials: 'same-origin', cache: 'no-store' });
      if (res.ok && onStatus(await res.json())) return;
    } catch {
      /* offline for a moment: try again */
    }
    setTimeout(tick, interval);
  }
  tick();
  return () => { stopped = true; };
}

/** The player of a ready replay ({video_url, audio_only, title}). */
export function playerFor(status) {
  const video = document.createElement('video');
  video.controls = true;
  video.playsInline = true;
  video.setAttribute('playsinline', '');
  video.preload = 'metadata';
  video.src = status.video_url;
  if (status.audio_only) video.classList.add('audio-only');
  if (status.title) video.setAttribute('aria-label', status.title);
  return video;
}
