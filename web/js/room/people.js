// The people panel: for those who may admit, the lobby first (each knock with Admit / Deny,
// "removed earlier" marked, and Admit all / Deny all); then everyone in the meeting with their
// role, raised hands first in the order raised, and the actions this person may take on each
// (the server decides; see permissions.js). Re-rendered from the meeting's state on each
// change, keeping the focus and the opened action lists.

import { h, icon } from './dom.js';
import { bind } from './i18n.js';
import { may, mayTarget, roleSwitch } from './permissions.js';

// 'role_speaker' comes with the webinar pages' strings (a session's staff: webinar.json).
const ROLE_LABELS = { owner: 'role_owner', manager: 'role_manager', moderator: 'role_moderator', speaker: 'role_speaker' };

export class PeoplePanel {
  /**
   * @param {{admit: (ids: string[]) => void, deny: (ids: string[]) => void,
   *          mute: (id: string, source: string) => void, remove: (person) => void,
   *          setRole: (id: string, role: string) => void, lowerHand: (id: string) => void,
   *          raiseHand: (raised: boolean) => void}} actions
   */
  constructor(actions) {
    this.actions = actions;
    this.expanded = new Set(); // participant ids whose action list is open
    this.el = h('div', { class: 'people' });
  }

  /**
   * @param {{me: {id, name, role, hand_raised}, participants: Array<{id, name, role, hand_raised}>,
   *          knocks: Array<{id, name, since, removed_before}>,
   *          sources: (participantId: string) => Map<string, {muted: boolean}>}} state
   */
  render(state) {
    const focusKey = document.activeElement?.closest?.('.people') === this.el ? document.activeElement.dataset.focusKey : null;
    const parts = [];
    if (may(state.me.role, 'admit')) parts.push(this._lobby(state.knocks));
    parts.push(this._participants(state));
    this.el.replaceChildren(...parts);
    if (focusKey) {
      const again = this.el.querySelector(`[data-focus-key="${CSS.escape(focusKey)}"]`);
      // The control is gone (the person was admitted, left…): keep the reader in the panel.
      (again || this.el.querySelector('h3'))?.focus();
    }
  }

  _lobby(knocks) {
    const heading = bind(h('h3', { id: 'lobby-title', tabindex: '-1', dataset: { focusKey: 'lobby' } }), { text: 'lobby_title', args: { count: knocks.length } });
    const section = h('section', { class: 'lobby', 'aria-labelledby': 'lobby-title' }, heading);
    if (knocks.length === 0) {
      section.append(bind(h('p', { class: 'panel-empty' }), { text: 'lobby_empty' }));
      return section;
    }
    const ids = knocks.map((k) => k.id);
    section.append(h('div', { class: 'lobby-all' },
      this._button('admit_all', {}, () => this.actions.admit(ids), 'small-button primary', 'admit-all'),
      this._button('deny_all', {}, () => this.actions.deny(ids), 'small-button', 'deny-all')));
    const list = h('ul', { class: 'people-list' });
    for (const k of knocks) {
      const mark = k.removed_before ? bind(h('span', { class: 'mark removed-mark' }), { text: 'removed_earlier' }) : null;
      const admit = this._button('admit', { name: k.name }, () => this.actions.admit([k.id]), 'small-button primary', `admit:${k.id}`, 'admit_name');
      const deny = this._button('deny', { name: k.name }, () => this.actions.deny([k.id]), 'small-button', `deny:${k.id}`, 'deny_name');
      list.append(h('li', { class: 'person knock' },
        h('div', { class: 'person-main' }, h('span', { class: 'person-name' }, k.name), mark,
          h('span', { class: 'person-buttons' }, admit, deny))));
    }
    section.append(list);
    return section;
  }

  _participants(state) {
    const everyone = [state.me, ...state.participants];
    // Raised hands first, in the order raised; the others keep the meeting's order.
    const order = everyone.map((p, i) => ({ p, i })).sort((a, b) => {
      const ha = a.p.hand_raised ?? null;
      const hb = b.p.hand_raised ?? null;
      if (ha !== null && hb !== null) return ha - hb;
      if (ha !== null) return -1;
      if (hb !== null) return 1;
      return a.i - b.i;
    }).map((x) => x.p);
    const heading = bind(h('h3', { id: 'participants-title', tabindex: '-1', dataset: { focusKey: 'participants' } }), { text: 'in_meeting_title', args: { count: everyone.length } });
    const list = h('ul', { class: 'people-list' });
    for (const p of order) list.append(this._person(p, state));
    return h('section', { class: 'participants', 'aria-labelledby': 'participants-title' }, heading, list);
  }

  _person(p, state) {
    const self = p.id === state.me.id;
    const name = bind(h('span', { class: 'person-name' }), { text: self ? 'name_you' : 'name_plain', args: { name: p.name } });
    const role = ROLE_LABELS[p.role] ? bind(h('span', { class: `mark role-${p.role}` }), { text: ROLE_LABELS[p.role] }) : null;
    const raised = p.hand_raised !== null && p.hand_raised !== undefined;
    const hand = raised ? bind(h('span', { class: 'hand', role: 'img' }, icon('hand')), { label: 'hand_raised' }) : null;
    const buttons = h('span', { class: 'person-buttons' });
    if (raised && self) {
      buttons.append(this._button('lower_my_hand', {}, () => this.actions.raiseHand(false), 'small-button', 'lower-mine'));
    } else if (raised && mayTarget(state.me, p, 'lower_hands')) {
      buttons.append(this._button('lower', { name: p.name }, () => this.actions.lowerHand(p.id), 'small-button', `lower:${p.id}`, 'lower_hand_of'));
    }

    const actions = self ? [] : this._actionsFor(p, state);
    const li = h('li', { class: `person${raised ? ' hand-up' : ''}`, dataset: { participantId: p.id } });
    const main = h('div', { class: 'person-main' }, hand, name, role, buttons);
    li.append(main);
    if (actions.length > 0) {
      const open = this.expanded.has(p.id);
      const listId = `actions-${p.id}`;
      const toggle = this._button('actions_for', { name: p.name }, () => {
        if (this.expanded.has(p.id)) this.expanded.delete(p.id);
        else this.expanded.add(p.id);
        const nowOpen = this.expanded.has(p.id);
        toggle.setAttribute('aria-expanded', String(nowOpen));
        menu.hidden = !nowOpen;
      }, 'icon-button', `more:${p.id}`, null, icon('more'));
      toggle.setAttribute('aria-expanded', String(open));
      toggle.setAttribute('aria-controls', listId);
      buttons.append(toggle);
      const menu = h('div', { id: listId, class: 'person-actions', hidden: !open }, ...actions);
      li.append(menu);
    }
    return li;
  }

  /** The buttons for what `state.me` may do to `p`, by what `p` publishes now. */
  _actionsFor(p, state) {
    const out = [];
    const sources = state.sources(p.id);
    const live = (source) => sources.has(source) && !sources.get(source).muted;
    const add = (action, key, fn, cls = 'small-button') => {
      if (mayTarget(state.me, p, action)) out.push(this._button(key, { name: p.name }, fn, cls, `${key}:${p.id}`));
    };
    if (live('microphone')) add('mute_others', 'mute_microphone_of', () => this.actions.mute(p.id, 'microphone'));
    if (live('screen_audio')) add('mute_others', 'mute_screen_audio_of', () => this.actions.mute(p.id, 'screen_audio'));
    if (live('camera')) add('stop_video_others', 'stop_camera_of', () => this.actions.mute(p.id, 'camera'));
    if (live('screen')) add('stop_video_others', 'stop_screen_of', () => this.actions.mute(p.id, 'screen'));
    const nextRole = roleSwitch(p);
    // A session's roles come from the session (its backstage gives no setRole): no switch there.
    if (nextRole && this.actions.setRole) add('change_role', nextRole === 'moderator' ? 'make_moderator' : 'make_participant', () => this.actions.setRole(p.id, nextRole));
    add('remove', 'remove_person', () => this.actions.remove(p), 'small-button danger');
    return out;
  }

  /**
   * A button whose visible text is `text` (a locale key with args); `label`, when given, is a
   * longer accessible name that starts with the visible text ("Admit" → "Admit Alice").
   */
  _button(text, args, onClick, cls, focusKey, label = null, content = null) {
    const b = h('button', { type: 'button', class: cls, dataset: { focusKey } });
    if (content) {
      b.append(content);
      bind(b, { label: text, args });
    } else {
      bind(b, { text, args });
      if (label) {
        bind(b, { text, label, args });
        b.removeAttribute('title');
      }
    }
    b.addEventListener('click', onClick);
    return b;
  }
}
