// Live polls (C7) in the room and the backstage: those who run polls (owner, manager,
// moderator) write a question with 2 to 10 options (single or multiple choice, anonymous or
// not), open it, watch the answers arrive, close it and publish the results; everyone votes
// once while a poll is open and sees published results. The server decides and counts
// (docs/protocol.md, "Polls"); this only shows `poll_updated` and asks.
//
// Mounted once per connection: mountPolls(conn, meeting) in the room and the backstage
// (room/meeting.js), and mountPolls(conn, host, {placeButton, openOnNews}) on the attendee page
// of a session (webinar/attendee.js), whose host has only side panels (`host.panels`).

import { announce } from './room/announce.js';
import { h } from './room/dom.js';
import { addBundles, bind, t } from './room/i18n.js';

addBundles('polls');

export const MIN_OPTIONS = 2;
export const MAX_OPTIONS = 10;
const RUNNERS = new Set(['owner', 'manager', 'moderator']);
const ICON = '<svg viewBox="0 0 24 24" width="24" height="24" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" aria-hidden="true"><path d="M5 20V11M12 20V4M19 20v-6"/></svg>';

function loadStyles() {
  if (document.querySelector('link[href="/static/css/polls.css"]')) return;
  document.head.append(h('link', { rel: 'stylesheet', href: '/static/css/polls.css' }));
}

/** The percentage of `n` among `total` votes, rounded ("0" when nobody voted). */
export function percent(n, total) {
  return total > 0 ? Math.round((100 * n) / total) : 0;
}

/** Where a poll's CSV export lives, for the page's socket kind (room or session). */
export function csvUrl(path, pollId) {
  const base = path.startsWith('/s/') ? '/s/' : '/r/';
  const slug = path.split('/')[2] || '';
  return `${base}${encodeURIComponent(slug)}/polls/${encodeURIComponent(pollId)}/results.csv`;
}

let mounts = 0; // numbers each mount: its ballots' radio groups stay apart on one page

/**
 * `meeting` needs `panels` (room/panels.js) and, unless `placeButton(button)` puts the toolbar
 * button elsewhere, `controls.chat` (the button goes after it). `openOnNews`: open the panel
 * when a poll opens or its results are published (attendees of a live, as webinar tools do).
 */
export function mountPolls(conn, meeting, { placeButton = null, openOnNews = false } = {}) {
  loadStyles();
  mounts += 1;
  const mount = mounts;
  const iconEl = h('span', { class: 'icon' });
  iconEl.innerHTML = ICON; // a constant, no user text
  const badge = h('span', { class: 'badge', 'aria-hidden': 'true', hidden: true });
  const button = h('button', { type: 'button', class: 'round-button polls-button' }, iconEl, badge);
  bind(button, { label: 'polls' });
  if (placeButton) placeButton(button);
  else meeting.controls.chat.after(button);

  const polls = new Map(); // id -> PollInfo, in arrival order
  let role = null;
  let unseen = 0;

  // ---- The form (runners only) ----
  const question = h('input', { type: 'text', class: 'poll-question-input', maxlength: '300' });
  bind(question, { label: 'poll_question' });
  const optionList = h('div', { class: 'poll-option-inputs' });
  const addOption = bind(h('button', { type: 'button', class: 'poll-add-option' }), { text: 'poll_add_option' });
  const multiple = h('input', { type: 'checkbox', class: 'poll-multiple' });
  const anonymous = h('input', { type: 'checkbox', class: 'poll-anonymous' });
  const create = bind(h('button', { type: 'submit', class: 'poll-create' }), { text: 'poll_create' });
  const formError = h('p', { class: 'poll-form-error', role: 'alert', hidden: true });
  const form = h('form', { class: 'poll-form', hidden: true },
    bind(h('h3'), { text: 'poll_new' }), question, optionList, addOption,
    h('label', { class: 'poll-check' }, multiple, bind(h('span'), { text: 'poll_multiple' })),
    h('label', { class: 'poll-check' }, anonymous, bind(h('span'), { text: 'poll_anonymous' })),
    formError, create);
  function optionInput() {
    const n = optionList.children.length + 1;
    const input = h('input', { type: 'text', class: 'poll-option-input', maxlength: '120' });
    bind(input, { label: 'poll_option_n', args: { n } });
    optionList.append(input);
    addOption.disabled = optionList.children.length >= MAX_OPTIONS;
  }
  function resetForm() {
    question.value = '';
    optionList.replaceChildren();
    for (let i = 0; i < MIN_OPTIONS; i++) optionInput();
    multiple.checked = false;
    anonymous.checked = false;
    formError.hidden = true;
  }
  resetForm();
  addOption.addEventListener('click', () => optionInput());
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const options = [...optionList.querySelectorAll('input')].map((i) => i.value.trim()).filter(Boolean);
    const q = question.value.trim();
    const problem = !q ? 'poll_error_question' : options.length < MIN_OPTIONS ? 'poll_error_options' : null;
    if (problem) {
      formError.textContent = t(problem);
      formError.hidden = false;
      return;
    }
    conn.send({ type: 'poll_create', question: q, options, multiple: multiple.checked, anonymous: anonymous.checked });
    resetForm();
  });

  const list = h('div', { class: 'poll-list', 'aria-live': 'polite' });
  const empty = bind(h('p', { class: 'poll-empty' }), { text: 'poll_none' });
  const content = h('div', { class: 'polls-panel' }, form, empty, list);
  meeting.panels.add('polls', {
    title: 'polls', content, button,
    onOpen: () => { unseen = 0; badge.hidden = true; },
  });

  function card(p) {
    const runs = RUNNERS.has(role);
    const stateKey = p.state === 'open' ? 'poll_state_open' : p.state === 'closed' ? 'poll_state_closed' : 'poll_state_draft';
    const head = h('div', { class: 'poll-head' },
      h('h3', { class: 'poll-question' }, p.question),
      bind(h('span', { class: `poll-state poll-state-${p.state}` }), { text: stateKey }));
    const flags = h('p', { class: 'poll-flags' },
      t(p.multiple ? 'poll_kind_multiple' : 'poll_kind_single') + (p.anonymous ? ` · ${t('poll_kind_anonymous')}` : ''));
    const body = h('div', { class: 'poll-body' });
    if (p.state === 'open' && !p.voted && role !== null) {
      const name = `poll-${mount}-${p.id}`;
      const inputs = p.options.map((o, i) => {
        const input = h('input', { type: p.multiple ? 'checkbox' : 'radio', name, value: String(i) });
        return h('label', { class: 'poll-choice' }, input, h('span', {}, o));
      });
      const vote = bind(h('button', { type: 'submit', class: 'poll-vote' }), { text: 'poll_vote' });
      const fieldset = h('fieldset', {}, h('legend', { class: 'sr-only' }, p.question), ...inputs);
      const f = h('form', { class: 'poll-ballot' }, fieldset, vote);
      f.addEventListener('submit', (e) => {
        e.preventDefault();
        const choices = [...f.querySelectorAll('input:checked')].map((i) => Number(i.value));
        if (!choices.length) return announce(t('poll_error_choose'));
        vote.disabled = true;
        conn.send({ type: 'poll_vote', poll_id: p.id, choices });
      });
      body.append(f);
    } else if (p.voted) {
      body.append(bind(h('p', { class: 'poll-voted' }), { text: 'poll_voted' }));
    }
    if (p.results) {
      const total = p.results.counts.reduce((a, b) => a + b, 0);
      const rows = p.options.map((o, i) => {
        const n = p.results.counts[i] ?? 0;
        const pc = percent(n, total);
        const bar = h('span', { class: 'poll-result-bar', 'aria-hidden': 'true' });
        bar.style.setProperty('--pc', `${pc}%`); // CSSOM: the CSP forbids style attributes
        return h('li', { class: 'poll-result' },
          h('span', { class: 'poll-result-label' }, o),
          bar,
          h('span', { class: 'poll-result-count', 'data-count': String(n) }, t('poll_count', { count: n, percent: pc })));
      });
      body.append(h('ol', { class: 'poll-results' }, ...rows),
        h('p', { class: 'poll-voters' }, t('poll_voters', { count: p.results.voters })));
    }
    const actions = h('div', { class: 'poll-actions' });
    if (runs) {
      const act = (key, type) => {
        const b = bind(h('button', { type: 'button', class: `poll-${type.replace('poll_', '')}` }), { text: key });
        b.addEventListener('click', () => { b.disabled = true; conn.send({ type, poll_id: p.id }); });
        actions.append(b);
      };
      if (p.state === 'draft') act('poll_open', 'poll_open');
      if (p.state === 'open') act('poll_close', 'poll_close');
      if (p.state === 'closed' && !p.published) act('poll_publish', 'poll_publish');
      const csv = bind(h('a', { class: 'poll-csv', href: csvUrl(window.location.pathname, p.id), download: '' }), { text: 'poll_csv' });
      actions.append(csv);
    }
    if (p.published) actions.append(bind(h('span', { class: 'poll-published' }), { text: 'poll_published' }));
    return h('article', { class: 'poll', 'data-poll-id': p.id, 'data-state': p.state }, head, flags, body, actions);
  }

  function render() {
    form.hidden = !RUNNERS.has(role);
    const cards = [...polls.values()].reverse().map(card);
    list.replaceChildren(...cards);
    empty.hidden = cards.length > 0;
  }

  function notice(p, before) {
    if (RUNNERS.has(role)) return;
    const opened = p.state === 'open' && before?.state !== 'open';
    const published = p.published && !before?.published;
    if (!opened && !published) return;
    announce(t(opened ? 'poll_opened' : 'poll_results_published', { question: p.question }));
    if (openOnNews && !meeting.panels.isOpen('polls')) meeting.panels.open('polls');
    if (!meeting.panels.isOpen('polls')) {
      unseen += 1;
      badge.hidden = false;
      badge.textContent = String(unseen);
    }
  }

  conn.addEventListener('welcome', (e) => {
    role = e.detail.role;
    polls.clear();
    for (const p of e.detail.polls || []) polls.set(p.id, p);
    render();
  });
  conn.addEventListener('participant_updated', (e) => {
    if (e.detail?.participant?.id === conn.participantId) {
      role = e.detail.participant.role;
      render();
    }
  });
  conn.addEventListener('poll_updated', (e) => {
    const p = e.detail.poll;
    const before = polls.get(p.id);
    polls.set(p.id, p);
    render();
    notice(p, before);
  });
  conn.addEventListener('server_error', (e) => {
    const request = e.detail?.request || '';
    if (!request.startsWith('poll_')) return;
    const key = { already_voted: 'poll_error_already_voted', poll_not_open: 'poll_error_not_open' }[e.detail.code] || 'poll_error';
    announce(t(key));
    formError.textContent = t(key);
    formError.hidden = !RUNNERS.has(role);
    render();
  });
  return { button, polls };
}
