// Checks of an MP4 replay (issue 7's proof), one job per function: the top-level boxes (moov
// before mdat), what ffprobe says (format, codecs, duration), a full decode without errors,
// the video's luma over time (not black, not frozen) and the audio's tones (Goertzel).
// Needs ffmpeg and ffprobe on PATH: a missing tool throws, so a test fails instead of skipping.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');

/** Runs a tool and returns its output; throws when it cannot start or exits non-zero. */
function run(tool, args, { maxBuffer = 256 * 1024 * 1024, encoding = 'buffer' } = {}) {
  const r = spawnSync(tool, args, { maxBuffer, encoding });
  if (r.error) throw new Error(`${tool} could not run (${r.error.message}): install it (scripts/install-deps)`);
  if (r.status !== 0) throw new Error(`${tool} ${args.join(' ')} exited with ${r.status}: ${r.stderr.toString().slice(0, 2000)}`);
  return r;
}

/** The file's top-level ISO-BMFF boxes in order: [{type, offset, size}]. Throws on a bad size. */
function topLevelBoxes(file) {
  const fd = fs.openSync(file, 'r');
  try {
    const end = fs.fstatSync(fd).size;
    const header = Buffer.alloc(16);
    const boxes = [];
    let pos = 0;
    while (pos + 8 <= end) {
      fs.readSync(fd, header, 0, 16, pos);
      let size = header.readUInt32BE(0);
      const type = header.toString('latin1', 4, 8);
      let headerSize = 8;
      // size 1: a 64-bit size follows the type; size 0: the box runs to the end of the file.
      if (size === 1) {
        size = Number(header.readBigUInt64BE(8));
        headerSize = 16;
      } else if (size === 0) size = end - pos;
      if (size < headerSize || pos + size > end) throw new Error(`${file}: box '${type}' at ${pos} has a bad size ${size} (file ${end} bytes)`);
      boxes.push({ type, offset: pos, size });
      pos += size;
    }
    return boxes;
  } finally {
    fs.closeSync(fd);
  }
}

/** Whether `moov` comes before the first `mdat` (a player can start before the end arrives). */
function moovFirst(boxes) {
  const types = boxes.map((b) => b.type);
  const moov = types.indexOf('moov');
  const mdat = types.indexOf('mdat');
  return moov >= 0 && mdat >= 0 && moov < mdat;
}

/** ffprobe's view: {formats: ['mov', 'mp4', ...], duration (s), video: [...], audio: [...]}. */
function probe(file) {
  const out = run('ffprobe', ['-v', 'error', '-show_format', '-show_streams', '-of', 'json', file], { encoding: 'utf8' }).stdout;
  const json = JSON.parse(out);
  const streams = json.streams || [];
  const pick = (kind) => streams.filter((s) => s.codec_type === kind).map((s) => ({
    codec: s.codec_name, width: s.width, height: s.height, sampleRate: Number(s.sample_rate) || undefined,
    duration: Number(s.duration), frames: Number(s.nb_frames) || undefined,
  }));
  return {
    formats: (json.format?.format_name || '').split(','),
    brand: json.format?.tags?.major_brand,
    duration: Number(json.format?.duration),
    video: pick('video'),
    audio: pick('audio'),
  };
}

/** What `ffmpeg -v error -i FILE -f null -` prints while decoding everything ('' when clean). */
function decodeErrors(file) {
  const r = spawnSync('ffmpeg', ['-nostdin', '-v', 'error', '-i', file, '-f', 'null', '-'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw new Error(`ffmpeg could not run (${r.error.message}): install it (scripts/install-deps)`);
  const text = r.stderr.trim();
  return r.status === 0 ? text : `exit ${r.status}: ${text}`;
}

/**
 * The video decoded to small gray pictures, `fps` per second: [{time, mean, std, pixels}]
 * (`pixels` a Uint8Array of width×height luma values).
 */
function grayFrames(file, { fps = 2, width = 160, height = 90 } = {}) {
  const raw = run('ffmpeg', ['-nostdin', '-v', 'error', '-i', file, '-an', '-vf', `fps=${fps},scale=${width}:${height},format=gray`,
    '-f', 'rawvideo', '-']).stdout;
  const size = width * height;
  const frames = [];
  for (let i = 0; (i + 1) * size <= raw.length; i++) {
    const pixels = new Uint8Array(raw.buffer, raw.byteOffset + i * size, size);
    let sum = 0;
    let sq = 0;
    for (const p of pixels) { sum += p; sq += p * p; }
    const mean = sum / size;
    frames.push({ time: i / fps, mean, std: Math.sqrt(Math.max(0, sq / size - mean * mean)), pixels });
  }
  return frames;
}

/** Mean absolute luma difference between two gray pictures of the same size. */
function meanAbsDiff(a, b) {
  let d = 0;
  for (let i = 0; i < a.length; i++) d += Math.abs(a[i] - b[i]);
  return d / a.length;
}

/** The audio decoded to mono float samples at `rate` Hz (a Float32Array). */
function monoSamples(file, rate = 16000) {
  const raw = run('ffmpeg', ['-nostdin', '-v', 'error', '-i', file, '-vn', '-ac', '1', '-ar', String(rate), '-f', 'f32le', '-']).stdout;
  // Copy: the Buffer may not be 4-byte aligned inside its pool.
  const aligned = new Uint8Array(raw.length - (raw.length % 4));
  aligned.set(raw.subarray(0, aligned.length));
  return new Float32Array(aligned.buffer);
}

/** The power at `freq` Hz of `samples` (Goertzel), normalised by the number of samples squared. */
function goertzel(samples, rate, freq) {
  const coeff = 2 * Math.cos((2 * Math.PI * freq) / rate);
  let s1 = 0;
  let s2 = 0;
  for (const x of samples) {
    const s0 = x + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const n = samples.length || 1;
  return (s1 * s1 + s2 * s2 - coeff * s1 * s2) / (n * n);
}

/**
 * How far `freq` stands above the loudest of `others` (power ratio), per window of `windowSec`
 * seconds: [{time, ratio}]. Short windows show where a tone is missing, not only that it is.
 */
function toneWindows(samples, rate, freq, others, windowSec = 0.2) {
  const size = Math.round(rate * windowSec);
  const out = [];
  for (let start = 0; start + size <= samples.length; start += size) {
    const w = samples.subarray(start, start + size);
    const floor = Math.max(...others.map((f) => goertzel(w, rate, f)), 1e-12);
    out.push({ time: start / rate, ratio: goertzel(w, rate, freq) / floor });
  }
  return out;
}

/** Root-mean-square level of `samples`. */
function rms(samples) {
  let sq = 0;
  for (const x of samples) sq += x * x;
  return Math.sqrt(sq / (samples.length || 1));
}

module.exports = { topLevelBoxes, moovFirst, probe, decodeErrors, grayFrames, meanAbsDiff, monoSamples, goertzel, toneWindows, rms };
