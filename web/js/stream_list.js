// The back office's room list: each room that streams shows its stream's state (starting,
// live, stopped, failed, retrying), kept up to date by polling /rooms/streams.json (the words
// come translated from the server). Without JavaScript the list simply has no stream badges.

const POLL_MS = 3000;
const CLASSES = {
  starting: 'stream-pending', retrying: 'stream-pending', live: 'stream-live', stopped: 'stream-stopped', failed: 'stream-failed',
};

function loadStyles() {
  if (document.querySelector('link[href="/static/css/stream.css"]')) return;
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = '/static/css/stream.css';
  document.head.append(link);
}

/** Shows each room's state in its badge; rooms absent from `rooms` do not stream. */
export function applyStates(badges, rooms) {
  const bySlug = new Map(rooms.map((r) => [r.slug, r]));
  for (const badge of badges) {
    const room = bySlug.get(badge.dataset.streamRoom);
    badge.hidden = !room;
    if (!room) continue;
    badge.textContent = room.label;
    badge.dataset.state = room.state;
    badge.className = `state stream-state ${CLASSES[room.state] || 'stream-stopped'}`;
  }
}

async function poll(badges) {
  try {
    const res = await fetch('/rooms/streams.json', { credentials: 'same-origin', cache: 'no-store' });
    if (res.ok) applyStates(badges, (await res.json()).rooms || []);
  } catch {
    // The next poll tries again (the server restarting, the network down).
  }
}

const badges = [...document.querySelectorAll('[data-stream-room]')];
if (badges.length) {
  loadStyles();
  poll(badges);
  setInterval(() => poll(badges), POLL_MS);
}
