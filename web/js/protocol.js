// Amphi's signaling protocol (docs/protocol.md) and the two peer connections, without any DOM.
//
// One WebSocket per participant carries JSON messages. Media uses two RTCPeerConnections:
// on the *publisher* leg the browser offers (our microphone, camera, screen), on the
// *subscriber* leg the server offers (everyone else's publications). The class keeps what it
// publishes, so that after a drop it can reconnect by itself (resume_token, backoff) and
// publish the same tracks again without asking the user anything.
//
// A join may be held before the welcome (a closed room, a waiting room): the server then sends
// `waiting` and keeps the socket open; the welcome comes later on the same socket, when the room
// opens or a moderator admits us. Waiting is not a drop: nothing reconnects while we wait.
//
// Webinars (a session's live, `/s/<slug>/ws`) speak the same protocol with a few more messages:
// moderators send start_live / stop_live / set_stage, moderators and speakers content_control;
// the server sends live_updated, stage_updated, audience (to moderators) and contents_updated
// (to staff), each emitted as an event like any other. An attendee (welcome.role 'attendee')
// only receives: it never creates a publisher leg, so nothing asks for a camera or microphone.
//
// Events (EventTarget, each a CustomEvent whose `detail` is given here):
//   state         {state: 'connecting'|'waiting'|'connected'|'reconnecting'|'closed', reason?}
//   waiting       the waiting message {reason: 'room_closed'|'knocking', can_open}
//   welcome       the welcome message plus {reconnected: boolean}; the caller rebuilds its view from it
//   participant_joined, participant_updated, participant_left, publication_added,
//   publication_removed, publication_muted, active_speaker, room_updated, knock_added,
//   knock_removed, moderated, chat_message, live_updated, stage_updated, audience,
//   contents_updated, and any other server event: the message itself
//   meeting_ended the message {reason, by}: the meeting is over; nothing reconnects
//   subscription       {mid, publicationId, participantId, source, kind, track}
//   subscription_ended {mid, publicationId}
//   server_error  {code, message, request} for errors that leave the connection open
//   fatal         {code, message} when the server refuses us for good (room_full, denied,
//                 knock_expired, removed, ...)

import { installWebinarRequests, sessionSocketUrl, stageRequest } from './protocol_webinar.js';
export { sessionSocketUrl, stageRequest }; // re-exported: importers keep using protocol.js alone

export const PROTOCOL_VERSION = 1;

// Camera simulcast: three layers, low to high, as the server expects them (q, h, f).
export const CAMERA_ENCODINGS = [
  { rid: 'q', scaleResolutionDownBy: 4, maxBitrate: 150_000 },
  { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 500_000 },
  { rid: 'f', scaleResolutionDownBy: 1, maxBitrate: 1_500_000 },
];

// Errors after which retrying cannot help: show them, do not reconnect (docs/protocol.md, error table).
const FATAL_CODES = new Set([
  'unsupported_version', 'room_full', 'room_closed', 'room_not_found', 'join_timeout', 'replaced', 'removed',
  'too_many_connections', 'denied', 'knock_expired', 'registration_required',
]);

// The browser's own random id (docs/protocol.md, join): it lets the server recognise someone a
// moderator removed when they come back in another tab. Nothing else is derived from it.
const CLIENT_KEY_STORAGE = 'amphi.client_key';

/** 22 base64url characters (128 random bits). */
export function newClientKey() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The key kept in localStorage (made on first use); a fresh one per page if storage is refused. */
export function clientKey(storage = globalThis.localStorage) {
  try {
    const saved = storage?.getItem(CLIENT_KEY_STORAGE);
    if (saved && /^[A-Za-z0-9_-]{22}$/.test(saved)) return saved;
    const key = newClientKey();
    storage?.setItem(CLIENT_KEY_STORAGE, key);
    return key;
  } catch {
    return newClientKey();
  }
}

// Close codes that mean "stop": after leave, after a fatal error, after breaking the rules.
const FINAL_CLOSE_CODES = new Set([1000, 4001, 1008]);

// Reconnect delays (ms): quick first tries and a 3 s ceiling, so that a restarted server or a
// returning network has us back within a few seconds (the grace period is 30 s).
const BACKOFF = [0, 250, 500, 1000, 1500, 2000, 3000];
// The protocol suggests a ping every 20 s; we ping more often to notice a dead link within
// a few seconds (well under the 20 messages/s rate limit).
const PING_EVERY = 2000;
// No message at all for this long means the socket is dead even if it looks open.
const SILENCE_LIMIT = 6000;
const CONNECT_TIMEOUT = 5000;
const ANSWER_TIMEOUT = 10000;
// How long a peer connection may stay 'disconnected' before we reconnect everything.
const DISCONNECTED_GRACE = 3000;

export class RoomConnection extends EventTarget {
  /**
   * @param {object} opts
   * @param {string} opts.url  WebSocket URL (wss://host/r/slug/ws)
   * @param {string} opts.name display name
   * @param {string} [opts.clientKey] this browser's key (default: the one in localStorage)
   */
  constructor({ url, name, clientKey: key }) {
    super();
    this.url = url;
    this.name = name;
    this.clientKey = key || clientKey();
    /** The last `waiting` message while the join is held, else null. */
    this.waiting = null;
    this.state = 'idle';
    this.participantId = null;
    /** Our role as the last welcome said (attendees get no publisher leg). */
    this.role = null;
    this.resumeToken = null;
    this.iceServers = [];
    this.publisher = null;
    this.subscriber = null;
    /** source -> {track, kind, muted, transceiver} : what we publish, kept across reconnects */
    this.local = new Map();
    /** source -> publication id of our own publications, as the server announced them */
    this.ownPublications = new Map();
    /** mid -> subscription detail, on the current subscriber connection */
    this.subscriptions = new Map();
    this._ws = null;
    this._attempt = 0;
    this._reconnectTimer = null;
    this._pingTimer = null;
    this._lastMessage = 0;
    this._pubChain = Promise.resolve();
    this._subChain = Promise.resolve();
    this._pendingAnswer = null;
    this._welcomed = false;
    this._joinWaiter = null;
    this._closedByUs = false;
    // Local candidates wait until the offer/answer of their leg has been sent (protocol rule).
    this._candidateGate = { publisher: null, subscriber: null };
  }

  /** Opens the connection and joins; resolves with the welcome, rejects with {code,message}. */
  connect() {
    this._closedByUs = false;
    return new Promise((resolve, reject) => {
      this._joinWaiter = { resolve, reject };
      this._open();
    });
  }

  /** Leaves the room for good. */
  leave() {
    this._closedByUs = true;
    this._send({ type: 'leave' });
    this._teardown();
    this._setState('closed', 'left');
    // Leaving while still waiting to get in ends the pending connect().
    if (this._joinWaiter) {
      this._joinWaiter.reject({ code: 'left', message: 'left' });
      this._joinWaiter = null;
    }
  }

  /**
   * Publishes a track for a source ('microphone', 'camera', 'screen'), or replaces the one
   * already published for it (no renegotiation). `track` may be null with `kind` given: the
   * m-line is negotiated now and the track arrives later (camera off at join).
   */
  async publish(source, track, { kind = track?.kind, muted = false } = {}) {
    let entry = this.local.get(source);
    if (entry && entry.transceiver && entry.transceiver.direction !== 'inactive') {
      entry.track = track;
      if (!entry.muted) await entry.transceiver.sender.replaceTrack(track);
      return;
    }
    entry = entry || { kind, transceiver: null };
    entry.track = track;
    entry.kind = kind;
    entry.muted = muted;
    this.local.set(source, entry);
    if (this.publisher) await this._negotiatePublisher(() => this._attach(source, entry));
  }

  /** Replaces the track of a published source (device switch) without renegotiation. */
  async replaceTrack(source, track) {
    const entry = this.local.get(source);
    if (!entry) return this.publish(source, track);
    entry.track = track;
    if (entry.transceiver && !entry.muted) await entry.transceiver.sender.replaceTrack(track);
  }

  /** Mutes or unmutes a source: nothing is sent while muted, and the others are told. */
  async setMuted(source, muted) {
    const entry = this.local.get(source);
    if (!entry) return;
    entry.muted = muted;
    if (entry.transceiver) await entry.transceiver.sender.replaceTrack(muted ? null : entry.track);
    // A publication exists once media flows: a source muted from the start has none, and its
    // publication will appear (unmuted) when it is unmuted. See _onOwnPublication.
    if (this.ownPublications.has(source)) this._send({ type: 'set_muted', source, muted });
  }

  /** Stops publishing a source (e.g. screen sharing ends) and renegotiates. */
  async unpublish(source) {
    const entry = this.local.get(source);
    if (!entry) return;
    this.local.delete(source);
    if (!entry.transceiver || !this.publisher) return;
    await this._negotiatePublisher(async () => {
      await entry.transceiver.sender.replaceTrack(null);
      // A stopped transceiver becomes a rejected m-line (port 0) in the next offer.
      entry.transceiver.stop();
    });
  }

  /** Tells the server how large a video is shown, so it forwards the right simulcast layer. */
  setVideoSize(publicationId, width, height) {
    this._send({ type: 'set_video_size', publication_id: publicationId, width: Math.round(width), height: Math.round(height) });
  }

  /** Sends any other client message. */
  send(message) {
    this._send(message);
  }

  // ---- Room and moderation requests (the server checks every one against the role) --------

  /** Opens or closes the room; also allowed while waiting at a closed room (can_open). */
  setRoomOpen(open) {
    this._send({ type: 'set_room_open', open: !!open });
  }

  /** Switches the waiting room on or off (off admits everyone knocking). */
  setWaitingRoom(enabled) {
    this._send({ type: 'set_waiting_room', enabled: !!enabled });
  }

  admit(knockIds) {
    this._send({ type: 'admit', knock_ids: [...knockIds] });
  }

  deny(knockIds) {
    this._send({ type: 'deny', knock_ids: [...knockIds] });
  }

  /** Mutes someone's microphone or screen sound, or stops their camera or screen. */
  mute(participantId, source) {
    this._send({ type: 'mute', participant_id: participantId, source });
  }

  remove(participantId) {
    this._send({ type: 'remove', participant_id: participantId });
  }

  /** role: 'moderator' or 'participant'. */
  setRole(participantId, role) {
    this._send({ type: 'set_role', participant_id: participantId, role });
  }

  raiseHand(raised) {
    this._send({ type: 'raise_hand', raised: !!raised });
  }

  lowerHand(participantId) {
    this._send({ type: 'lower_hand', participant_id: participantId });
  }

  sendChat(text) {
    this._send({ type: 'chat_send', text });
  }

  /** Whether this connection only receives (an attendee: no publisher leg). */
  get subscribeOnly() {
    return this.role === 'attendee';
  }

  // ---- WebSocket ------------------------------------------------------------------------

  _open() {
    this._setState(this._welcomed ? 'reconnecting' : 'connecting');
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch (e) {
      // Only an invalid URL throws here: nothing to retry.
      this._closedByUs = true;
      this._setState('closed', String(e));
      this._joinWaiter?.reject({ code: 'connection_failed', message: String(e) });
      this._joinWaiter = null;
      return;
    }
    this._ws = ws;
    // A connection attempt that hangs (packets dropped) counts as failed after a few seconds.
    setTimeout(() => {
      if (ws === this._ws && ws.readyState === WebSocket.CONNECTING) this._onSocketGone(ws, 'connection timed out');
    }, CONNECT_TIMEOUT);
    ws.onopen = () => {
      this._lastMessage = Date.now();
      ws.send(JSON.stringify({
        type: 'join', version: PROTOCOL_VERSION, name: this.name, resume_token: this.resumeToken, client_key: this.clientKey,
      }));
      this._startPing();
    };
    ws.onmessage = (ev) => {
      if (ws !== this._ws) return;
      this._lastMessage = Date.now();
      let msg;
      try {
        msg = JSON.parse(ev.data);
      } catch {
        console.warn('amphi: non-JSON message ignored');
        return;
      }
      this._dispatch(msg);
    };
    ws.onclose = (ev) => {
      if (ws !== this._ws) return;
      if (FINAL_CLOSE_CODES.has(ev.code)) {
        // The server ended it on purpose; a fatal error (if any) has already been handled.
        if (this._closedByUs) return;
        this._closedByUs = true;
        this._teardown();
        this._setState('closed', `closed (${ev.code})`);
        const detail = { code: ev.reason || 'closed', message: `the server closed the connection (${ev.code})` };
        if (this._joinWaiter) {
          this._joinWaiter.reject(detail);
          this._joinWaiter = null;
        } else if (ev.code !== 1000) this._emit('fatal', detail);
        return;
      }
      this._onSocketGone(ws, `socket closed (${ev.code})`);
    };
    ws.onerror = () => {};
  }

  _send(message) {
    if (this._ws && this._ws.readyState === WebSocket.OPEN) this._ws.send(JSON.stringify(message));
  }

  _startPing() {
    clearInterval(this._pingTimer);
    this._pingTimer = setInterval(() => {
      if (Date.now() - this._lastMessage > SILENCE_LIMIT) {
        this._onSocketGone(this._ws, 'no answer from the server');
        return;
      }
      this._send({ type: 'ping' });
    }, PING_EVERY);
  }

  _onSocketGone(ws, reason) {
    if (ws !== this._ws || this._closedByUs) return;
    if (!this._welcomed) {
      // Never got in. A socket that closes before any welcome is retried like a drop,
      // except on the very first connection, where the caller shows the error. A person who
      // was waiting (closed room, knocking) gets a few retries (one backoff round in all, not
      // reset by later `waiting`s), then the error: no endless loop for someone not in yet.
      const giveUp = this.waiting ? this._attempt >= BACKOFF.length : this._attempt === 0 && !this.resumeToken;
      if (this._joinWaiter && giveUp) {
        const waiter = this._joinWaiter;
        this._joinWaiter = null;
        this._teardown();
        this._setState('closed', reason);
        waiter.reject({ code: 'connection_failed', message: reason });
        return;
      }
    }
    this._scheduleReconnect(reason);
  }

  _scheduleReconnect(reason) {
    if (this._reconnectTimer || this._closedByUs) return;
    this._teardown();
    this._setState('reconnecting', reason);
    const delay = BACKOFF[Math.min(this._attempt, BACKOFF.length - 1)];
    this._attempt += 1;
    this._reconnectTimer = setTimeout(() => {
      this._reconnectTimer = null;
      this._open();
    }, delay + (delay ? Math.random() * 100 : 0));
  }

  /** Drops the socket and both peer connections; keeps what we publish. */
  _teardown() {
    clearInterval(this._pingTimer);
    this._pingTimer = null;
    const ws = this._ws;
    this._ws = null;
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = null;
      try { ws.close(); } catch { /* already closed */ }
    }
    for (const [mid, sub] of this.subscriptions) this._emit('subscription_ended', { mid, publicationId: sub.publicationId });
    this.subscriptions.clear();
    for (const pc of [this.publisher, this.subscriber]) {
      if (pc) {
        pc.onicecandidate = pc.ontrack = pc.onconnectionstatechange = null;
        pc.close();
      }
    }
    this.publisher = this.subscriber = null;
    this._candidateGate = { publisher: null, subscriber: null };
    for (const entry of this.local.values()) entry.transceiver = null;
    if (this._pendingAnswer) {
      this._pendingAnswer.reject(new Error('connection reset'));
      this._pendingAnswer = null;
    }
    this._pubChain = Promise.resolve();
    this._subChain = Promise.resolve();
  }

  // ---- Messages -------------------------------------------------------------------------

  _dispatch(msg) {
    switch (msg.type) {
      case 'welcome': return this._onWelcome(msg);
      case 'waiting': return this._onWaiting(msg);
      case 'meeting_ended': return this._onMeetingEnded(msg);
      case 'publish_answer': return this._onPublishAnswer(msg);
      case 'subscribe_offer': return this._onSubscribeOffer(msg);
      case 'ice_candidate': return this._onRemoteCandidate(msg);
      case 'pong': return undefined;
      case 'publication_added':
        this._onOwnPublication(msg.publication);
        return this._emit(msg.type, msg);
      case 'publication_removed':
        for (const [source, id] of this.ownPublications) if (id === msg.publication_id) this.ownPublications.delete(source);
        return this._emit(msg.type, msg);
      case 'error': return this._onError(msg);
      default: return this._emit(msg.type, msg);
    }
  }

  /** The join is held (closed room, waiting room). The same socket brings the welcome later. */
  _onWaiting(msg) {
    this.waiting = { reason: msg.reason, can_open: !!msg.can_open };
    this._setState('waiting');
    this._emit('waiting', this.waiting);
  }

  /** The meeting is over (room closed or deleted): stop for good, the server closes the socket. */
  _onMeetingEnded(msg) {
    this._closedByUs = true;
    this._teardown();
    this._setState('closed', 'meeting_ended');
    const detail = { code: 'meeting_ended', reason: msg.reason, by: msg.by ?? null, message: msg.reason };
    if (this._joinWaiter) {
      this._joinWaiter.reject(detail);
      this._joinWaiter = null;
    }
    this._emit('meeting_ended', { reason: msg.reason, by: msg.by ?? null });
  }

  _onWelcome(msg) {
    const reconnected = this._welcomed;
    this.waiting = null;
    this._welcomed = true;
    this._attempt = 0;
    this.participantId = msg.participant_id;
    this.role = msg.role ?? null;
    this.resumeToken = msg.resume_token ?? null;
    this.iceServers = Array.isArray(msg.ice_servers) ? msg.ice_servers : [];
    // After any welcome our publications are gone: they come back as we publish again.
    this.ownPublications.clear();
    this._createPeerConnections();
    this._setState('connected');
    // `resumed` (same participant) comes from the server; `reconnected` says this is not our first welcome.
    this._emit('welcome', { ...msg, resumed: !!msg.resumed, reconnected });
    if (this._joinWaiter) {
      this._joinWaiter.resolve(msg);
      this._joinWaiter = null;
    }
    // Publish everything we had (first join: whatever the caller published before connecting).
    if (this.local.size > 0 && this.publisher) {
      this._negotiatePublisher(() => {
        for (const [source, entry] of this.local) this._attach(source, entry);
      }).catch((e) => console.warn('amphi: publishing failed', e));
    }
  }

  /** Learns our own publication ids, and brings the server's mute state in line with ours. */
  _onOwnPublication(pub) {
    if (!pub || pub.participant_id !== this.participantId) return;
    this.ownPublications.set(pub.source, pub.id);
    const entry = this.local.get(pub.source);
    if (entry && !!entry.muted !== !!pub.muted) this._send({ type: 'set_muted', source: pub.source, muted: !!entry.muted });
  }

  _onError(msg) {
    const detail = { code: msg.code, message: msg.message, request: msg.request ?? null };
    // Whoever removed us may be named in a field of its own (by); else the message names them.
    if (msg.by !== undefined) detail.by = msg.by;
    // Before the welcome, a refused join (even a non-fatal one such as invalid_name) ends the
    // attempt: the caller shows it. After it, only fatal errors do.
    const refusedJoin = !this._welcomed && this._joinWaiter && msg.request === 'join';
    if (msg.request === 'join' && msg.code === 'internal_error' && (this._welcomed || this._attempt < BACKOFF.length)) {
      // The media server could not set us up this time: join again on a fresh socket, with backoff.
      // Once we have been in the room we never give up (the person is waiting in a meeting);
      // before that, a first join that keeps failing is shown to the person after a few tries.
      this._scheduleReconnect(`join failed: ${msg.message}`);
      return;
    }
    if (FATAL_CODES.has(msg.code) || refusedJoin) {
      this._closedByUs = true;
      this._teardown();
      this._setState('closed', msg.code);
      if (this._joinWaiter) {
        this._joinWaiter.reject(detail);
        this._joinWaiter = null;
      } else {
        this._emit('fatal', detail);
      }
      return;
    }
    if (msg.request === 'publish_offer' && this._pendingAnswer) {
      const pending = this._pendingAnswer;
      this._pendingAnswer = null;
      pending.reject(new Error(`${msg.code}: ${msg.message}`));
    }
    this._emit('server_error', detail);
  }

  // ---- Peer connections -----------------------------------------------------------------

  _createPeerConnections() {
    const config = { iceServers: this.iceServers, bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' };
    // An attendee only receives: no publisher leg at all (the server has none for it either).
    const pub = this.subscribeOnly ? null : new RTCPeerConnection(config);
    const sub = new RTCPeerConnection(config);
    this.publisher = pub;
    this.subscriber = sub;
    const legs = pub ? [[pub, 'publisher'], [sub, 'subscriber']] : [[sub, 'subscriber']];
    for (const [pc, leg] of legs) {
      this._candidateGate[leg] = [];
      pc.onicecandidate = (ev) => {
        if (!ev.candidate || !ev.candidate.candidate) return;
        const message = { type: 'ice_candidate', leg, candidate: ev.candidate.toJSON() };
        const gate = this._candidateGate[leg];
        if (gate) gate.push(message);
        else this._send(message);
      };
      let stalled = null;
      pc.onconnectionstatechange = () => {
        const ours = pc === this.publisher || pc === this.subscriber;
        clearTimeout(stalled);
        if (ours && pc.connectionState === 'failed') this._scheduleReconnect(`${leg} connection failed`);
        if (ours && pc.connectionState === 'disconnected') {
          // Media stopped while the socket may still look fine: give ICE a moment to recover
          // by itself, then start afresh rather than wait for 'failed' (tens of seconds).
          stalled = setTimeout(() => {
            if (pc.connectionState === 'disconnected') this._scheduleReconnect(`${leg} connection lost`);
          }, DISCONNECTED_GRACE);
        }
        this._emit('pc_state', { leg, state: pc.connectionState });
      };
    }
  }

  _attach(source, entry) {
    // A publish() racing the welcome's own round must not add a second m-line for one source.
    if (entry.transceiver || !this.local.has(source)) return;
    const init = { direction: 'sendonly', streams: [] };
    if (source === 'camera') init.sendEncodings = CAMERA_ENCODINGS.map((e) => ({ ...e }));
    const what = entry.track && !entry.muted ? entry.track : entry.kind;
    entry.transceiver = this.publisher.addTransceiver(what, init);
    if (entry.track && entry.muted) {
      // Negotiated with no track: the muted source sends nothing until unmuted.
      entry.transceiver.sender.replaceTrack(null);
    }
    if (entry.kind === 'video') this._preferVideoCodecs(entry.transceiver);
  }

  /** VP8 first: every browser decodes it and the server's layer switching knows its keyframes. */
  _preferVideoCodecs(transceiver) {
    if (!transceiver.setCodecPreferences || !window.RTCRtpSender?.getCapabilities) return;
    const caps = RTCRtpSender.getCapabilities('video');
    if (!caps) return;
    const rank = (c) => (c.mimeType === 'video/VP8' ? 0 : c.mimeType === 'video/H264' ? 1 : 2);
    const sorted = [...caps.codecs].sort((a, b) => rank(a) - rank(b));
    try {
      transceiver.setCodecPreferences(sorted);
    } catch (e) {
      console.warn('amphi: setCodecPreferences', e);
    }
  }

  /** Runs `change` then an offer/answer round on the publisher leg, one round at a time. */
  _negotiatePublisher(change) {
    const pc = this.publisher;
    const run = async () => {
      if (pc !== this.publisher || !pc) return;
      await change();
      const offer = await pc.createOffer();
      await pc.setLocalDescription(offer);
      const tracks = [];
      for (const [source, entry] of this.local) {
        const t = entry.transceiver;
        if (t && t.mid !== null && !t.stopped && t.currentDirection !== 'stopped') tracks.push({ mid: t.mid, source });
      }
      const answer = new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no publish_answer')), ANSWER_TIMEOUT);
        this._pendingAnswer = {
          resolve: (v) => { clearTimeout(timer); resolve(v); },
          reject: (e) => { clearTimeout(timer); reject(e); },
        };
      });
      this._send({ type: 'publish_offer', sdp: pc.localDescription.sdp, tracks });
      this._openGate('publisher');
      const msg = await answer;
      if (pc !== this.publisher) return;
      await pc.setRemoteDescription({ type: 'answer', sdp: msg.sdp });
    };
    const next = this._pubChain.then(run);
    // A failed round must not block the next one.
    this._pubChain = next.catch((e) => console.warn('amphi: publisher negotiation', e));
    return next;
  }

  _onPublishAnswer(msg) {
    const pending = this._pendingAnswer;
    this._pendingAnswer = null;
    if (pending) pending.resolve(msg);
  }

  _onSubscribeOffer(msg) {
    const pc = this.subscriber;
    if (!pc) return;
    this._subChain = this._subChain.then(async () => {
      if (pc !== this.subscriber) return;
      await pc.setRemoteDescription({ type: 'offer', sdp: msg.sdp });
      const answer = await pc.createAnswer();
      await pc.setLocalDescription(answer);
      this._send({ type: 'subscribe_answer', sdp: pc.localDescription.sdp });
      this._openGate('subscriber');
      this._reconcileSubscriptions(pc, Array.isArray(msg.tracks) ? msg.tracks : []);
    }).catch((e) => {
      // An offer we cannot answer leaves the server waiting for ever: start both legs afresh.
      console.warn('amphi: subscriber negotiation', e);
      if (pc === this.subscriber) this._scheduleReconnect('subscriber negotiation failed');
    });
  }

  /** Maps the subscriber's m-lines to publications after each offer (mids may be reused). */
  _reconcileSubscriptions(pc, tracks) {
    const byMid = new Map(tracks.map((t) => [String(t.mid), t]));
    for (const [mid, sub] of [...this.subscriptions]) {
      const now = byMid.get(mid);
      if (!now || now.publication_id !== sub.publicationId) {
        this.subscriptions.delete(mid);
        this._emit('subscription_ended', { mid, publicationId: sub.publicationId });
      }
    }
    for (const tr of pc.getTransceivers()) {
      const info = tr.mid !== null ? byMid.get(tr.mid) : undefined;
      if (!info || this.subscriptions.has(tr.mid)) continue;
      if (tr.currentDirection === 'inactive' || tr.currentDirection === 'stopped' || tr.stopped) continue;
      const detail = {
        mid: tr.mid,
        publicationId: info.publication_id,
        participantId: info.participant_id,
        source: info.source,
        kind: tr.receiver.track.kind,
        track: tr.receiver.track,
      };
      this.subscriptions.set(tr.mid, detail);
      this._emit('subscription', detail);
    }
  }

  _onRemoteCandidate(msg) {
    const pc = msg.leg === 'publisher' ? this.publisher : this.subscriber;
    if (!pc || !msg.candidate || !msg.candidate.candidate) return;
    const add = () => pc.addIceCandidate(msg.candidate).catch((e) => console.warn('amphi: candidate', e));
    if (msg.leg === 'publisher') this._pubChain = this._pubChain.then(add);
    else this._subChain = this._subChain.then(add);
  }

  /** Sends the candidates held back until this leg's offer or answer went out. */
  _openGate(leg) {
    const held = this._candidateGate[leg];
    this._candidateGate[leg] = null;
    for (const m of held || []) this._send(m);
  }

  // ---- Helpers --------------------------------------------------------------------------

  _setState(state, reason) {
    if (this.state === state) return;
    this.state = state;
    this._emit('state', { state, reason });
  }

  _emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}

// startLive, stopLive, setStage, contentControl (protocol_webinar.js).
installWebinarRequests(RoomConnection);

/** The WebSocket URL of a room, from the page's own address. */
export function roomSocketUrl(slug, loc = window.location) {
  const scheme = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${loc.host}/r/${encodeURIComponent(slug)}/ws`;
}
