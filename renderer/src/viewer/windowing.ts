/**
 * Window/level: maps full-precision samples (8/16-bit, signed, float) to display grey levels. The data
 * is never converted down; only what is drawn is 8-bit.
 */
export type Samples = ArrayLike<number>;

export interface DisplayWindow {
  center: number;
  width: number;
}

/**
 * Writes RGBA for `count` pixels into `out`. Grey images use the window (and `invert` for MONOCHROME1);
 * colour images (3 interleaved channels) are drawn as they are.
 */
export function renderImage(
  samples: Samples,
  channels: number,
  count: number,
  win: DisplayWindow,
  out: Uint8ClampedArray,
  invert = false,
): void {
  if (channels === 3) {
    for (let i = 0, j = 0; i < count; i++, j += 3) {
      const o = i * 4;
      out[o] = samples[j]!;
      out[o + 1] = samples[j + 1]!;
      out[o + 2] = samples[j + 2]!;
      out[o + 3] = 255;
    }
    return;
  }
  const width = Math.max(win.width, 1e-6);
  const low = win.center - width / 2;
  const scale = 255 / width;
  for (let i = 0; i < count; i++) {
    let g = (samples[i * channels]! - low) * scale;
    g = g < 0 ? 0 : g > 255 ? 255 : g;
    if (invert) g = 255 - g;
    const o = i * 4;
    out[o] = out[o + 1] = out[o + 2] = g;
    out[o + 3] = 255;
  }
}

/** Window from a drag: horizontal changes width, vertical changes level, both scaled to the data range. */
export function dragWindow(
  start: DisplayWindow,
  dx: number,
  dy: number,
  range: { min: number; max: number },
): DisplayWindow {
  const span = Math.max(range.max - range.min, 1);
  const k = span / 512;
  return { center: start.center - dy * k, width: Math.max(span / 1024, start.width + dx * k) };
}

/** Common CT presets, in Hounsfield units: meaningful only where the values are HU (CT). */
export const CT_PRESETS: Record<string, DisplayWindow> = {
  'Soft tissue': { center: 40, width: 400 },
  Lung: { center: -600, width: 1500 },
  Bone: { center: 400, width: 1800 },
  Brain: { center: 40, width: 80 },
  Liver: { center: 60, width: 160 },
};

/** What the presets need to know of an image (a subset of ImagePixels). */
export interface WindowedImage {
  /** DICOM Modality, null when the source does not say. */
  modality: string | null;
  channels: number;
  pixels: Samples;
  range: { min: number; max: number };
  /** The image's default ("auto") window. */
  window: DisplayWindow;
}

export interface WindowPreset {
  name: string;
  window: DisplayWindow;
}

/** Percentile windows for data without a physical scale (MR, ultrasound, photographs, NIfTI). */
const PERCENTILE_PRESETS: [name: string, low: number, high: number][] = [
  ['1–99 %', 0.01, 0.99],
  ['5–95 %', 0.05, 0.95],
];

/**
 * The window presets that make sense for this image: its automatic window and full range, then HU
 * presets on CT or percentile windows on anything else. Colour images are drawn as they are: none.
 */
export function windowPresets(image: WindowedImage): WindowPreset[] {
  if (image.channels !== 1) return [];
  const { min, max } = image.range;
  const presets: WindowPreset[] = [
    { name: 'Auto', window: { ...image.window } },
    { name: 'Full range', window: { center: (min + max) / 2, width: max - min || 1 } },
  ];
  if (image.modality === 'CT') {
    for (const [name, window] of Object.entries(CT_PRESETS)) presets.push({ name, window: { ...window } });
  } else {
    // One sorted sample for all of them: this runs for every image opened on Review.
    const sorted = sortedSample(image.pixels, image.channels);
    for (const [name, low, high] of PERCENTILE_PRESETS)
      presets.push({ name, window: windowOfSorted(sorted, low, high) });
  }
  return presets;
}

/** The window spanning the `low`..`high` quantiles of (a sample of at most ~65k of) the grey values. */
export function percentileWindow(
  samples: Samples,
  channels: number,
  low: number,
  high: number,
): DisplayWindow {
  return windowOfSorted(sortedSample(samples, channels), low, high);
}

/** At most ~65k of the grey values, evenly spaced, sorted. */
function sortedSample(samples: Samples, channels: number): Float64Array {
  const count = Math.floor(samples.length / channels);
  const step = Math.max(1, Math.floor(count / 65_536));
  const sample = new Float64Array(Math.ceil(count / step));
  for (let i = 0, k = 0; i < count; i += step, k++) sample[k] = samples[i * channels]!;
  return sample.sort();
}

function windowOfSorted(sample: Float64Array, low: number, high: number): DisplayWindow {
  const at = (q: number) =>
    sample[Math.min(sample.length - 1, Math.max(0, Math.round(q * (sample.length - 1))))]!;
  const lo = at(low);
  const hi = at(high);
  return { center: (lo + hi) / 2, width: Math.max(hi - lo, 1e-6) };
}

/** "W 400  L 40": the window as the viewer shows it, with as many decimals as the width calls for. */
export function formatWindow(w: DisplayWindow): string {
  const digits = w.width >= 10 ? 0 : w.width >= 1 ? 1 : 3;
  const f = (v: number) => {
    const s = v.toFixed(digits);
    return Number(s) === 0 ? (0).toFixed(digits) : s; // no "-0"
  };
  return `W ${f(w.width)}  L ${f(w.center)}`;
}
