// Cameras and microphones: opening them, listing them, remembering the choice, and a level meter.

const CAMERA_KEY = 'amphi.camera';
const MIC_KEY = 'amphi.microphone';

// 720p lets the camera be sent as three simulcast layers (320x180, 640x360, 1280x720).
const VIDEO_CONSTRAINTS = { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 24, max: 30 } };
const AUDIO_CONSTRAINTS = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };

export function savedDevice(kind) {
  try {
    return localStorage.getItem(kind === 'video' ? CAMERA_KEY : MIC_KEY) || '';
  } catch {
    return '';
  }
}

export function saveDevice(kind, deviceId) {
  try {
    localStorage.setItem(kind === 'video' ? CAMERA_KEY : MIC_KEY, deviceId || '');
  } catch {
    /* the choice lasts for this page only */
  }
}

/** Opens a camera; resolves to a track or null (with the error) when there is none or access is refused. */
export async function openCamera(deviceId = savedDevice('video')) {
  return openTrack('video', { ...VIDEO_CONSTRAINTS, ...(deviceId ? { deviceId: { exact: deviceId } } : {}) });
}

export async function openMicrophone(deviceId = savedDevice('audio')) {
  return openTrack('audio', { ...AUDIO_CONSTRAINTS, ...(deviceId ? { deviceId: { exact: deviceId } } : {}) });
}

async function openTrack(kind, constraints) {
  if (!navigator.mediaDevices?.getUserMedia) return { track: null, error: 'unsupported' };
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ [kind]: constraints });
    return { track: stream.getTracks()[0], error: null };
  } catch (e) {
    if (e.name === 'OverconstrainedError' && constraints.deviceId) {
      // The remembered device is gone: fall back to the default one.
      const { deviceId: _gone, ...rest } = constraints;
      return openTrack(kind, rest);
    }
    const error = e.name === 'NotAllowedError' || e.name === 'SecurityError' ? 'denied' : e.name === 'NotFoundError' ? 'missing' : 'failed';
    return { track: null, error };
  }
}

/** Lists cameras and microphones ({videoinput: [...], audioinput: [...]}). */
export async function listDevices() {
  const out = { videoinput: [], audioinput: [] };
  if (!navigator.mediaDevices?.enumerateDevices) return out;
  for (const d of await navigator.mediaDevices.enumerateDevices()) {
    if (d.kind in out && d.deviceId) out[d.kind].push(d);
  }
  return out;
}

/** Shares a screen, window or tab; resolves to a video track or null if the user cancels. */
export async function openScreen() {
  if (!navigator.mediaDevices?.getDisplayMedia) return null;
  try {
    const stream = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: { ideal: 15, max: 30 } }, audio: false });
    const track = stream.getVideoTracks()[0];
    // Screens are text: keep them sharp rather than fluid.
    if ('contentHint' in track) track.contentHint = 'detail';
    return track;
  } catch {
    return null;
  }
}

/**
 * Measures a microphone track's level (0..1) about 20 times a second and calls `onLevel`.
 * Returns a function that stops it.
 */
export function meterLevel(track, onLevel) {
  const Ctx = window.AudioContext || window.webkitAudioContext;
  if (!Ctx || !track) return () => {};
  const ctx = new Ctx();
  const source = ctx.createMediaStreamSource(new MediaStream([track]));
  const analyser = ctx.createAnalyser();
  analyser.fftSize = 512;
  source.connect(analyser);
  const buf = new Float32Array(analyser.fftSize);
  let stopped = false;
  const timer = setInterval(() => {
    if (stopped) return;
    if (ctx.state === 'suspended') ctx.resume().catch(() => {});
    analyser.getFloatTimeDomainData(buf);
    let sum = 0;
    for (const v of buf) sum += v * v;
    const rms = Math.sqrt(sum / buf.length);
    // Map roughly -60..0 dBFS to 0..1: speech sits in the middle of the bar.
    const db = 20 * Math.log10(rms || 1e-8);
    onLevel(Math.max(0, Math.min(1, (db + 60) / 60)));
  }, 50);
  return () => {
    stopped = true;
    clearInterval(timer);
    source.disconnect();
    ctx.close().catch(() => {});
  };
}
