// The stage editor of the backstage (moderators): who is on stage (a checkbox per present staff
// member, at most 9), the layout (grid, speaker, content: radio buttons), and the content on
// stage (none, a present staff member's screen share, or a ready content item). Each change
// sends the whole stage at once (set_stage); the editor then shows what the server says
// (stage_updated), so a refused change springs back.

import { h } from '../room/dom.js';
import { bind } from '../room/i18n.js';

export const MAX_MEMBERS = 9;
const LAYOUTS = ['grid', 'speaker', 'content'];

export class StageEditor {
  /** @param {{onChange: (stage: {layout, members, content}) => void}} opts */
  constructor({ onChange }) {
    this.onChange = onChange;
    this.staff = [];
    this.screens = [];
    this.contents = [];
    this.stage = { layout: 'grid', members: [], content: null };

    this.membersList = h('div', { class: 'stage-members-choice' });
    this.membersHint = bind(h('p', { class: 'editor-hint', id: 'stage-members-hint' }), { text: 'stage_members_hint', args: { max: MAX_MEMBERS } });
    const membersSet = h('fieldset', { class: 'editor-group', 'aria-describedby': 'stage-members-hint' },
      bind(h('legend'), { text: 'stage_members' }), this.membersList, this.membersHint);

    this.layoutInputs = new Map();
    const layoutSet = h('fieldset', { class: 'editor-group layout-choice' }, bind(h('legend'), { text: 'stage_layout' }));
    for (const layout of LAYOUTS) {
      const id = `stage-layout-${layout}`;
      const input = h('input', { type: 'radio', name: 'stage-layout', id, value: layout });
      input.addEventListener('change', () => {
        if (input.checked) this.send({ layout });
      });
      this.layoutInputs.set(layout, input);
      layoutSet.append(h('div', { class: 'choice' }, input, bind(h('label', { for: id }), { text: `layout_${layout}` })));
    }

    this.contentSelect = h('select', { id: 'stage-content' });
    this.contentSelect.addEventListener('change', () => this.send({ content: this.contentFromValue(this.contentSelect.value) }));
    const contentField = h('div', { class: 'field editor-group' },
      bind(h('label', { for: 'stage-content' }), { text: 'stage_content' }), this.contentSelect);

    this.el = h('section', { class: 'side-section stage-editor', 'aria-labelledby': 'stage-editor-title' },
      bind(h('h2', { id: 'stage-editor-title' }), { text: 'stage_editor_title' }),
      membersSet, layoutSet, contentField);
  }

  /** The present staff [{id, name, self}], their screen shares [{participantId, name}] and the stage. */
  setState({ staff, screens, stage }) {
    this.staff = staff;
    this.screens = screens;
    this.stage = stage || this.stage;
    this.render();
  }

  setContents(contents) {
    this.contents = contents;
    this.render();
  }

  /** The stage as a request, with `change` applied, sent to the server. */
  send(change) {
    const members = (this.stage.members || []).map((m) => m.participant_id || m);
    const current = { layout: this.stage.layout || 'grid', members, content: requestContent(this.stage.content) };
    this.onChange({ ...current, ...change });
  }

  contentFromValue(value) {
    if (!value) return null;
    const [kind, id] = [value.slice(0, value.indexOf(':')), value.slice(value.indexOf(':') + 1)];
    if (kind === 'screen') return { kind: 'screen', participant_id: id };
    const item = this.contents.find((c) => c.content_id === id);
    if (!item) return null;
    if (item.kind === 'pdf') {
      // The page on stage stays when the same PDF is chosen again.
      const same = this.stage.content?.kind === 'pdf' && this.stage.content.content_id === id;
      return { kind: 'pdf', content_id: id, page: same ? this.stage.content.page : 1 };
    }
    return { kind: item.kind, content_id: id };
  }

  render() {
    const onStage = new Set((this.stage.members || []).map((m) => m.participant_id || m));
    const full = onStage.size >= MAX_MEMBERS;
    // Rebuild the checkboxes, keeping the focus on the one that had it.
    const focused = document.activeElement?.dataset?.participantId;
    this.membersList.replaceChildren(...this.staff.map((p) => {
      const id = `stage-member-${p.id}`;
      const box = h('input', { type: 'checkbox', id, dataset: { participantId: p.id } });
      box.checked = onStage.has(p.id);
      box.disabled = !box.checked && full;
      box.addEventListener('change', () => {
        const members = [...onStage].filter((m) => m !== p.id);
        if (box.checked) members.push(p.id);
        this.send({ members });
      });
      const label = h('label', { for: id });
      bind(label, { text: p.self ? 'name_you' : 'name_plain', args: { name: p.name } });
      return h('div', { class: 'choice' }, box, label);
    }));
    if (focused) this.membersList.querySelector(`[data-participant-id="${CSS.escape(focused)}"]`)?.focus();
    if (this.staff.length === 0) this.membersList.append(bind(h('p', { class: 'editor-hint' }), { text: 'stage_nobody' }));

    for (const [layout, input] of this.layoutInputs) input.checked = (this.stage.layout || 'grid') === layout;

    const current = this.stage.content;
    const value = current ? `${current.kind === 'screen' ? 'screen' : 'content'}:${current.kind === 'screen' ? current.participant_id : current.content_id}` : '';
    const options = [bind(h('option', { value: '' }), { text: 'stage_content_none' })];
    for (const s of this.screens) {
      options.push(bind(h('option', { value: `screen:${s.participantId}` }), { text: s.self ? 'your_screen' : 'screen_of', args: { name: s.name } }));
    }
    for (const c of this.contents) {
      if (c.status !== 'ready') continue;
      options.push(bind(h('option', { value: `content:${c.content_id}` }), { text: `content_kind_${c.kind}`, args: { name: c.name } }));
    }
    // What is on stage stays listed (a screen whose sharer is away, for instance).
    if (value && !options.some((o) => o.value === value)) {
      options.push(h('option', { value }, current.name || current.kind));
    }
    const hadFocus = document.activeElement === this.contentSelect;
    this.contentSelect.replaceChildren(...options);
    this.contentSelect.value = value;
    if (hadFocus) this.contentSelect.focus();
  }
}

/** The request form of a `stage_updated` content. */
function requestContent(c) {
  if (!c) return null;
  if (c.kind === 'screen') return { kind: 'screen', participant_id: c.participant_id };
  if (c.kind === 'pdf') return { kind: 'pdf', content_id: c.content_id, page: c.page || 1 };
  return { kind: c.kind, content_id: c.content_id };
}
