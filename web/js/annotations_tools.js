// The annotation toolbar over the stage's page (C6): tools (pen, highlighter, arrow,
// rectangle, text, eraser), colours, size, undo, clear the page and, for moderators, "let
// everyone draw". It only reports choices; annotations.js sends the requests.

import { h } from './room/dom.js';
import { bind } from './room/i18n.js';
import { COLORS } from './annotations_draw.js';

export const TOOLS = ['pen', 'highlighter', 'arrow', 'rectangle', 'text', 'eraser'];
const SHOWN_COLORS = ['red', 'orange', 'yellow', 'green', 'blue', 'black', 'white'];

export class AnnotationTools {
  /** @param {{onUndo: () => void, onClear: () => void, onEveryone: (on: boolean) => void}} handlers */
  constructor({ onUndo, onClear, onEveryone }) {
    this.tool = null; // null: pointer, nothing drawn
    this.color = 'red';
    this.size = 2;
    this.buttons = new Map();
    for (const tool of TOOLS) {
      const b = bind(h('button', { type: 'button', class: `annotation-tool tool-${tool}`, dataset: { tool }, 'aria-pressed': 'false' }),
        { text: `annotation_tool_${tool}` });
      b.addEventListener('click', () => this.choose(this.tool === tool ? null : tool));
      this.buttons.set(tool, b);
    }
    this.swatches = SHOWN_COLORS.map((color) => {
      const s = bind(h('button', { type: 'button', class: 'annotation-color', dataset: { color }, 'aria-pressed': String(color === this.color) }),
        { label: `annotation_color_${color}` });
      s.style.setProperty('--swatch', COLORS[color]);
      s.addEventListener('click', () => this.chooseColor(color));
      return s;
    });
    this.sizeInput = bind(h('input', { type: 'range', min: '1', max: '4', step: '1', value: '2', class: 'annotation-size' }), { label: 'annotation_size' });
    this.sizeInput.addEventListener('input', () => { this.size = Number(this.sizeInput.value) || 2; });
    this.undo = bind(h('button', { type: 'button', class: 'annotation-undo' }), { text: 'annotation_undo' });
    this.undo.addEventListener('click', onUndo);
    this.clear = bind(h('button', { type: 'button', class: 'annotation-clear' }), { text: 'annotation_clear' });
    this.clear.addEventListener('click', onClear);
    this.everyone = h('input', { type: 'checkbox', class: 'annotation-everyone' });
    this.everyone.addEventListener('change', () => onEveryone(this.everyone.checked));
    this.everyoneLabel = h('label', { class: 'annotation-everyone-label', hidden: true }, this.everyone,
      bind(h('span'), { text: 'annotation_let_everyone' }));
    this.status = h('p', { class: 'annotation-status', role: 'status', 'aria-live': 'polite' });
    this.el = h('div', { class: 'annotation-tools', role: 'toolbar' },
      ...this.buttons.values(), h('span', { class: 'annotation-colors' }, ...this.swatches), this.sizeInput,
      this.undo, this.clear, this.everyoneLabel, this.status);
    bind(this.el, { label: 'annotation_toolbar' });
    this.el.removeAttribute('title');
    this.onTool = null;
  }

  choose(tool) {
    this.tool = tool;
    for (const [name, b] of this.buttons) b.setAttribute('aria-pressed', String(name === tool));
    this.onTool?.(tool);
  }

  chooseColor(color) {
    this.color = color;
    for (const s of this.swatches) s.setAttribute('aria-pressed', String(s.dataset.color === color));
  }

  /** Shows what this person may do: drawing tools, and the moderators' switch. */
  setRights({ mayDraw, mayAllow, everyone }) {
    this.el.hidden = !mayDraw && !mayAllow;
    for (const b of [...this.buttons.values(), ...this.swatches, this.sizeInput, this.undo, this.clear]) b.hidden = !mayDraw;
    this.everyoneLabel.hidden = !mayAllow;
    this.everyone.checked = !!everyone;
    if (!mayDraw && this.tool) this.choose(null);
  }

  say(text) {
    this.status.textContent = text;
  }
}
