// The live's controls in the backstage: a bar in the header (the live state banner, Start the
// live / Stop the live for moderators, the audience count for moderators) and a side column
// (the stage editor and the preview for moderators, the content panel for moderators and
// speakers). The server decides everything: what a role may not do is hidden here and
// refused there; every change shown comes back from the server (live_updated, stage_updated).

import { mountAnnotations } from '../annotations.js';
import { stageRequest } from '../protocol.js';
import { announce } from '../room/announce.js';
import { h } from '../room/dom.js';
import { bind, onLanguageChange, t } from '../room/i18n.js';
import { confirmDialog } from '../room/moderation.js';
import { may } from '../room/permissions.js';
import { StageEditor } from './stage_editor.js';
import { Stage } from './stage.js';

const LIVE_KEYS = { not_started: 'backstage_not_live', live: 'live_banner', ended: 'live_banner_ended' };

export class LiveControls {
  constructor({ slug, title, csrf, liveState, role }) {
    this.slug = slug;
    this.title = title;
    this.csrf = csrf;
    this.live = { state: liveState };
    this.role = role;
    this.stage = { layout: 'grid', members: [], content: null };
    this.contents = [];
    this.audience = null;
    this.conn = null;
    this.meeting = null;

    this.banner = h('span', { class: 'live-banner', role: 'status' });
    this.startButton = bind(h('button', { type: 'button', class: 'primary-button live-start', hidden: true }), { text: 'start_live' });
    this.stopButton = bind(h('button', { type: 'button', class: 'primary-button danger live-stop', hidden: true }), { text: 'stop_live' });
    this.startButton.addEventListener('click', () => this.conn?.startLive());
    this.stopButton.addEventListener('click', () => this.confirmStop());
    this.audienceEl = h('span', { class: 'audience-count', role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true', hidden: true });
    this.bar = h('div', { class: 'live-bar' }, this.banner, this.startButton, this.stopButton, this.audienceEl);

    this.previewBox = h('div', { class: 'stage-preview-box' });
    this.preview = new Stage(this.previewBox, { slug, playAudio: false, preview: true });
    this.editor = new StageEditor({ onChange: (stage) => this.conn?.setStage(stage) });
    this.previewSection = h('section', { class: 'side-section preview-section', 'aria-labelledby': 'preview-title' },
      bind(h('h2', { id: 'preview-title' }), { text: 'stage_preview_title' }), this.previewBox);
    this.contentBox = h('section', { class: 'side-section content-section', 'aria-labelledby': 'content-title' },
      bind(h('h2', { id: 'content-title' }), { text: 'content_title' }));
    this.side = h('aside', { class: 'backstage-side' }, this.editor.el, this.previewSection, this.contentBox);
    bind(this.side, { label: 'live_controls' });
    this.side.removeAttribute('title');
    this.contentPanel = null;
    onLanguageChange(() => this.renderAudience());
    this.render();
  }

  /** Listens to the session's connection (called by the Meeting before it connects). */
  attach(conn) {
    this.conn = conn;
    mountAnnotations(this.preview, conn); // drawing on the staged page (issue 9)
    conn.addEventListener('welcome', (e) => this.onWelcome(e.detail));
    conn.addEventListener('live_updated', (e) => this.onLive(e.detail.live, true));
    conn.addEventListener('stage_updated', (e) => this.onStage(e.detail.stage));
    conn.addEventListener('audience', (e) => this.onAudience(e.detail.audience));
    conn.addEventListener('contents_updated', (e) => this.onContents(e.detail.contents));
    conn.addEventListener('subscription', (e) => this.preview.setTrack(e.detail));
    conn.addEventListener('subscription_ended', (e) => this.preview.removeTrack(e.detail.publicationId));
    conn.addEventListener('active_speaker', (e) => this.preview.setActiveSpeaker(e.detail.participant_id));
    conn.addEventListener('server_error', (e) => this.onServerError(e.detail));
    // People and screens change what the editor offers: refresh after the Meeting's own
    // handler has updated its lists (it runs after ours).
    for (const type of ['participant_joined', 'participant_left', 'participant_updated', 'publication_added', 'publication_removed']) {
      conn.addEventListener(type, () => setTimeout(() => this.refreshStaff(), 0));
    }
  }

  onWelcome(w) {
    this.role = w.role || this.role;
    if (w.live) this.onLive(w.live, false);
    this.preview.clearTracks();
    this.onStage(w.stage || { layout: 'grid', members: [], content: null });
    this.onAudience(w.audience || null);
    this.onContents(w.contents || []);
    this.render();
    setTimeout(() => this.refreshStaff(), 0);
  }

  onLive(live, announceIt) {
    if (!live) return;
    const changed = live.state !== this.live.state;
    this.live = live;
    this.render();
    if (announceIt && changed) {
      const key = { live: 'live_started_by', ended: 'live_stopped_by' }[live.state];
      if (key) announce(t(live.by ? key : `${key}_someone`, { name: live.by || '' }));
    }
  }

  onStage(stage) {
    this.stage = stage || { layout: 'grid', members: [], content: null };
    this.preview.update(this.stage);
    this.refreshStaff();
    this.contentPanel?.setStage?.(this.stage);
  }

  onAudience(audience) {
    this.audience = audience;
    this.renderAudience();
  }

  onContents(contents) {
    this.contents = Array.isArray(contents) ? contents : [];
    this.editor.setContents(this.contents);
    this.contentPanel?.setContents?.(this.contents);
  }

  onServerError(e) {
    const keys = {
      live_ended: 'error_live_ended',
      live_not_started: 'error_live_not_started',
    };
    const requests = new Set(['start_live', 'stop_live', 'set_stage', 'content_control']);
    if (!requests.has(e.request)) return;
    // A refused stage change: the editor shows the stage as it still is.
    if (e.request === 'set_stage') this.editor.render();
    if (e.code === 'forbidden') return; // the Meeting says "not allowed" already
    const text = keys[e.code] ? t(keys[e.code]) : t('error_live_request', { message: e.message || e.code });
    this.meeting?.notices.show(text);
  }

  async confirmStop() {
    const ok = await confirmDialog(document.body, {
      title: 'stop_live_confirm_title', detail: 'stop_live_confirm_detail', confirm: 'stop_live',
    });
    if (ok) this.conn?.stopLive();
  }

  /** Shows what the role allows and the live's state. */
  render() {
    const state = this.live.state;
    bind(this.banner, { text: LIVE_KEYS[state] || LIVE_KEYS.not_started });
    this.banner.dataset.state = state;
    document.getElementById('session')?.setAttribute('data-live', state);
    const moderating = may(this.role, 'start_stop_live');
    this.startButton.hidden = !moderating || state !== 'not_started';
    this.stopButton.hidden = !moderating || state !== 'live';
    const arranging = may(this.role, 'arrange_stage');
    this.editor.el.hidden = !arranging;
    // Presenters see the preview too: they annotate the staged page on it (issue 9).
    this.previewSection.hidden = !arranging && !may(this.role, 'present_content');
    this.contentBox.hidden = !may(this.role, 'present_content');
    if (!this.contentBox.hidden) this.loadContentPanel();
    this.contentPanel?.setRole?.(this.role);
    this.renderAudience();
  }

  renderAudience() {
    const a = this.audience;
    this.audienceEl.hidden = !a || !may(this.role, 'see_audience');
    if (this.audienceEl.hidden) return;
    this.audienceEl.dataset.attendees = String(a.attendees);
    this.audienceEl.dataset.speakers = String(a.speakers);
    this.audienceEl.dataset.moderators = String(a.moderators);
    this.audienceEl.textContent = t('audience_counts', { attendees: a.attendees, speakers: a.speakers, moderators: a.moderators });
  }

  /** The present staff (us included) and their shared screens, for the stage editor and preview. */
  refreshStaff() {
    const m = this.meeting;
    if (!m || !this.conn?.participantId) return;
    const me = { id: this.conn.participantId, name: m.name, role: m.role, self: true };
    const staff = [me, ...m.participants.values()];
    const screens = [];
    for (const pub of m.publications.values()) {
      if (pub.source !== 'screen') continue;
      const who = pub.participant_id === me.id ? me : m.participants.get(pub.participant_id);
      if (who) screens.push({ participantId: who.id, name: who.name, self: who === me });
    }
    if (m.screen && !screens.some((s) => s.self)) screens.push({ participantId: me.id, name: me.name, self: true });
    this.editor.setState({ staff, screens, stage: this.stage });
    // Our own camera and screen are local tracks: the preview shows them as attendees will.
    const local = [['local-camera', 'camera', m.cameraOn ? m.camera : null], ['local-screen', 'screen', m.screen]];
    for (const [key, source, track] of local) {
      if (track && track.readyState === 'live') this.preview.setTrack({ publicationId: key, participantId: me.id, source, kind: 'video', track });
      else this.preview.removeTrack(key);
    }
  }

  /** The content engineer's panel (uploads, "Show on stage", page turns, playback). */
  async loadContentPanel() {
    if (this.contentPanel || this.loadingPanel) return;
    this.loadingPanel = true;
    try {
      const { contentPanel } = await import('./content_panel.js');
      const box = h('div', { class: 'content-panel-box' });
      this.contentBox.append(box);
      this.contentPanel = contentPanel(box, {
        slug: this.slug,
        csrf: this.csrf,
        role: this.role,
        // A "Show on stage" may carry only the content: the rest of the stage stays as it is.
        send: (message) => this.conn?.send(message?.type === 'set_stage'
          ? { type: 'set_stage', stage: stageRequest({ ...stageRequest(this.stage), ...message.stage }) }
          : message),
      }) || null;
      this.contentPanel?.setContents?.(this.contents);
        this.contentPanel?.setStage?.(this.stage);
    } catch (e) {
      console.warn('amphi: content panel', e);
    } finally {
      this.loadingPanel = false;
    }
  }
}
