// Chat text to DOM nodes: http(s) links become <a>, everything else stays text. Built with DOM
// APIs only, so markup in a message (`<img onerror=…>`) is shown as the characters it is.

import { h } from './dom.js';

// A URL runs to the next space or quote; trailing punctuation is the sentence's, not the link's.
const URL_RE = /\bhttps?:\/\/[^\s<>"']+/gi;
const TRAILING = /[.,;:!?)\]}»]+$/;

/** Splits `text` into text nodes and links (http and https only; other schemes stay text). */
export function linkify(text) {
  const nodes = [];
  let last = 0;
  for (const match of String(text).matchAll(URL_RE)) {
    let raw = match[0];
    const trail = TRAILING.exec(raw);
    // Keep a closing bracket that closes one opened inside the URL (Wikipedia links).
    if (trail && !(raw.includes('(') && trail[0].startsWith(')'))) raw = raw.slice(0, raw.length - trail[0].length);
    let url;
    try {
      url = new URL(raw);
    } catch {
      continue;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') continue;
    if (match.index > last) nodes.push(document.createTextNode(text.slice(last, match.index)));
    nodes.push(h('a', { href: url.href, rel: 'noopener noreferrer', target: '_blank' }, raw));
    last = match.index + raw.length;
  }
  if (last < text.length) nodes.push(document.createTextNode(text.slice(last)));
  return nodes;
}
