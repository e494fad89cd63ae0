// The webinar part of the signaling protocol (docs/protocol.md; a session's live, `/s/<slug>/ws`):
// the requests only moderators send (start_live, stop_live, set_stage; content_control also
// speakers), the `set_stage` shape, and the session's socket URL. The events the server sends
// for webinars (live_updated, stage_updated, audience, contents_updated) are dispatched like any
// other by RoomConnection (protocol.js), which re-exports everything here that it exported before.

/** The WebSocket URL of a session's live (backstage and attendees alike). */
export function sessionSocketUrl(slug, loc = window.location) {
  const scheme = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${loc.host}/s/${encodeURIComponent(slug)}/ws`;
}

const LAYOUTS = new Set(['grid', 'speaker', 'content']);

/**
 * The `set_stage` request for a stage, whether given as a request already or as the server's
 * `stage_updated` shape (members as {participant_id, name}, content with names and urls): only
 * the fields the request carries are kept.
 */
export function stageRequest(stage) {
  const layout = LAYOUTS.has(stage?.layout) ? stage.layout : 'grid';
  const members = (stage?.members || []).map((m) => (typeof m === 'string' ? m : m?.participant_id)).filter(Boolean);
  const c = stage?.content;
  let content = null;
  if (c && c.kind === 'screen' && c.participant_id) content = { kind: 'screen', participant_id: c.participant_id };
  else if (c && (c.kind === 'image' || c.kind === 'video') && c.content_id) content = { kind: c.kind, content_id: c.content_id };
  else if (c && c.kind === 'pdf' && c.content_id) content = { kind: 'pdf', content_id: c.content_id, page: Number(c.page) || 1 };
  else if (c && c.kind === 'link' && c.url) content = { kind: 'link', url: String(c.url), name: String(c.name || '') };
  return { layout, members: [...new Set(members)], content };
}

// The webinar requests, installed on RoomConnection's prototype as if written in the class
// (`this` is the connection; `_send` is its own).
const webinarRequests = {
  /** Starts the session's live (not_started → live). */
  startLive() {
    this._send({ type: 'start_live' });
  },

  /** Ends the live for good (live → ended); the caller has asked the person to confirm. */
  stopLive() {
    this._send({ type: 'stop_live' });
  },

  /**
   * Sets the whole stage at once: {layout: 'grid'|'speaker'|'content', members: [participant id],
   * content: null | {kind: 'screen', participant_id} | {kind: 'image'|'video', content_id} |
   * {kind: 'pdf', content_id, page}}.
   */
  setStage(stage) {
    this._send({ type: 'set_stage', stage: stageRequest(stage) });
  },

  /** Acts on the stage's content: ('page', {page}) | ('play'|'pause'|'seek', {position_ms}). */
  contentControl(action, fields = {}) {
    this._send({ type: 'content_control', action, ...fields });
  },
};

/** Adds startLive, stopLive, setStage and contentControl to `cls` (RoomConnection). */
export function installWebinarRequests(cls) {
  for (const [name, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(webinarRequests))) {
    Object.defineProperty(cls.prototype, name, { ...descriptor, enumerable: false });
  }
}
