// The side panels (chat, people): one open at a time, beside the tiles on wide screens and over
// them on narrow ones (room.css). Each toolbar button controls its panel (aria-expanded);
// Escape or the panel's close button closes it and gives the focus back to the button.

import { h, icon } from './dom.js';
import { bind } from './i18n.js';

export class Panels {
  /** @param {HTMLElement} container where the panels go (beside the grid) */
  constructor(container) {
    this.container = container;
    this.panels = new Map(); // name -> {el, button, onOpen, onClose}
    this.current = null;
  }

  /**
   * Adds a panel. `title` is a locale key; `content` its body; `button` the toolbar button
   * that opens it (it gets aria-controls and aria-expanded).
   */
  add(name, { title, content, button, onOpen, onClose }) {
    const id = `panel-${name}`;
    const headingId = `${id}-title`;
    const close = h('button', { type: 'button', class: 'panel-close' }, icon('close'));
    bind(close, { label: 'close_panel' });
    close.addEventListener('click', () => this.close());
    const el = h('aside', { id, class: `side-panel panel-${name}`, 'aria-labelledby': headingId, hidden: true },
      h('div', { class: 'panel-head' }, bind(h('h2', { id: headingId }), { text: title }), close),
      content);
    el.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        e.stopPropagation();
        this.close();
      }
    });
    button.setAttribute('aria-controls', id);
    button.setAttribute('aria-expanded', 'false');
    button.addEventListener('click', () => this.toggle(name));
    this.container.append(el);
    this.panels.set(name, { el, button, onOpen, onClose });
  }

  isOpen(name) {
    return this.current === name;
  }

  toggle(name) {
    if (this.current === name) this.close();
    else this.open(name);
  }

  open(name) {
    const next = this.panels.get(name);
    if (!next) return;
    if (this.current) this._hide(this.current);
    this.current = name;
    next.el.hidden = false;
    next.button.setAttribute('aria-expanded', 'true');
    next.button.classList.add('active');
    this.container.classList.add('has-panel');
    next.onOpen?.();
  }

  close() {
    if (!this.current) return;
    const { button } = this.panels.get(this.current);
    this._hide(this.current);
    this.current = null;
    this.container.classList.remove('has-panel');
    button.focus();
  }

  _hide(name) {
    const p = this.panels.get(name);
    p.el.hidden = true;
    p.button.setAttribute('aria-expanded', 'false');
    p.button.classList.remove('active');
    p.onClose?.();
  }
}
