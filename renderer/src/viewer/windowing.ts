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

/** Common CT presets (Hounsfield units); for other modalities the "Full range" and "Auto" windows. */
export const CT_PRESETS: Record<string, DisplayWindow> = {
  'Soft tissue': { center: 40, width: 400 },
  Lung: { center: -600, width: 1500 },
  Bone: { center: 400, width: 1800 },
  Brain: { center: 40, width: 80 },
  Liver: { center: 60, width: 160 },
};
