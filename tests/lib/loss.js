// Packet loss inside the namespace made by tests/lib/lossy-netns: turn it off and on, and count
// what the kernel dropped, by kind of packet. Refuses to touch anything outside that namespace
// (the test runs as root: a drop rule on the machine's own network would hurt everyone).
'use strict';
const { execFileSync } = require('node:child_process');
const os = require('node:os');

const TABLE = ['inet', 'amphi_loss'];
const CHAIN = [...TABLE, 'input'];

function nft(args) {
  return execFileSync('nft', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * The loss percentage lossy-netns was given, or null when this process is not inside its
 * namespace (no AMPHI_LOSS_PERCENT, an interface other than loopback, or no amphi_loss table).
 */
function ambientLoss() {
  const percent = process.env.AMPHI_LOSS_PERCENT;
  if (percent === undefined || !/^\d+$/.test(percent)) return null;
  try {
    // lossy-netns's namespace has a loopback and nothing else; the machine's has more.
    if (Object.keys(os.networkInterfaces()).some((name) => name !== 'lo')) return null;
    nft(['list', 'chain', ...CHAIN]);
  } catch {
    return null;
  }
  return Number(percent);
}

/**
 * Replaces the namespace's rules: drop `percent` % of all incoming UDP at random, as lossy-netns
 * does, but with counters that tell video RTP sent by the SFU (source port in `sfuPorts`), video
 * RTP sent to it, and everything else apart. Video RTP: version 2, a dynamic payload type
 * (96-127) other than Opus's 111 (RTCP's 200-206 and STUN/DTLS fall outside).
 */
function setLoss(percent, { sfuPorts }) {
  if (ambientLoss() === null) throw new Error('setLoss: not inside tests/lib/lossy-netns');
  const ports = `${sfuPorts[0]}-${sfuPorts[1]}`;
  const video = ['@th,64,2', '2', '@th,73,7', '96-127', '@th,73,7', '!=', '111'];
  const drop = (comment) => percent > 0
    ? ['numgen', 'random', 'mod', '100', '<', String(percent), 'counter', 'drop', 'comment', comment]
    : null;
  const rules = [];
  for (const [dir, match] of [['down', ['udp', 'sport', ports]], ['up', ['udp', 'dport', ports]]]) {
    rules.push([...match, ...video, 'counter', 'comment', `${dir}_video_seen`]);
    const d = drop(`${dir}_video_dropped`);
    if (d) rules.push([...match, ...video, ...d]);
    // Decided once: a video packet that survived its draw must not get a second one below.
    rules.push([...match, ...video, 'accept']);
  }
  rules.push(['meta', 'l4proto', 'udp', 'counter', 'comment', 'other_seen']);
  const d = drop('other_dropped');
  if (d) rules.push(['meta', 'l4proto', 'udp', ...d]);
  nft(['flush', 'chain', ...CHAIN]);
  for (const rule of rules) nft(['add', 'rule', ...CHAIN, ...rule]);
}

/** Packets counted by each rule of setLoss, by comment (e.g. down_video_dropped). */
function lossCounters() {
  const out = { down_video_seen: 0, down_video_dropped: 0, up_video_seen: 0, up_video_dropped: 0, other_seen: 0, other_dropped: 0 };
  const json = JSON.parse(nft(['-j', 'list', 'chain', ...CHAIN]));
  for (const item of json.nftables) {
    const rule = item.rule;
    if (!rule || !rule.comment) continue;
    const counter = rule.expr.find((e) => e.counter);
    if (counter) out[rule.comment] = counter.counter.packets;
  }
  return out;
}

module.exports = { ambientLoss, setLoss, lossCounters };
