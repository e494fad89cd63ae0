// "Show a video by link" in the content panel (PRODUCT C8), for moderators (who arrange the
// stage): a direct MP4/WebM link or a PeerTube video page. The server checks the link and, for
// PeerTube, finds a file to play (POST /s/<slug>/content/link); the video then goes on the
// stage and plays in step for everyone like an uploaded one. A refusal is shown as the server
// wrote it, in the person's language.

import { h } from '../room/dom.js';
import { bind, t } from '../room/i18n.js';

let forms = 0;

export class LinkForm {
  /** @param {{slug: string, csrf: string, show: (content: {kind: 'link', url: string, name: string}) => void}} opts */
  constructor({ slug, csrf, show }) {
    this.slug = slug;
    this.csrf = csrf;
    this.show = show;
    const n = ++forms;
    this.input = h('input', { type: 'url', id: `content-link-${n}`, class: 'content-link-input', inputmode: 'url', maxlength: '2048', 'aria-describedby': `content-link-error-${n}` });
    const label = bind(h('label', { for: this.input.id, class: 'content-link-label' }), { text: 'content_link_label' });
    this.button = bind(h('button', { type: 'submit', class: 'secondary-button content-link-show' }), { text: 'content_link_show' });
    this.status = h('span', { class: 'content-link-status', 'aria-live': 'polite' });
    this.error = h('p', { class: 'content-error content-link-error', id: `content-link-error-${n}`, role: 'alert', hidden: true });
    this.el = h('form', { class: 'content-link' }, label, this.input, this.button, this.status, this.error);
    this.el.addEventListener('submit', (e) => {
      e.preventDefault();
      this.submit();
    });
  }

  async submit() {
    this.setError(null);
    this.button.disabled = true;
    this.status.textContent = t('content_link_resolving');
    try {
      const res = await fetch(`/s/${encodeURIComponent(this.slug)}/content/link`, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'content-type': 'application/json', 'x-csrf-token': this.csrf || '' },
        body: JSON.stringify({ url: this.input.value }),
      });
      const body = await res.json().catch(() => ({}));
      if (!res.ok) {
        this.setError(body.error || `HTTP ${res.status}`);
        return;
      }
      this.input.value = '';
      this.show({ kind: 'link', url: body.url, name: body.name || '' });
    } catch (e) {
      this.setError(String(e));
    } finally {
      this.button.disabled = false;
      this.status.textContent = '';
    }
  }

  setError(text) {
    this.error.hidden = !text;
    this.error.textContent = text || '';
    this.input.setAttribute('aria-invalid', text ? 'true' : 'false');
  }
}
