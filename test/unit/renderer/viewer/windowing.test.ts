// Window presets by modality (Hounsfield presets only where values are Hounsfield units) and the W/L
// readout the viewer shows while and after adjusting.
import { describe, expect, it } from 'vitest';
import {
  formatWindow,
  percentileWindow,
  windowPresets,
  type WindowedImage,
} from '../../../../renderer/src/viewer/windowing.js';

function image(modality: string | null, pixels: ArrayLike<number>, channels = 1): WindowedImage {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < pixels.length; i++) {
    min = Math.min(min, pixels[i]!);
    max = Math.max(max, pixels[i]!);
  }
  return { modality, channels, pixels, range: { min, max }, window: { center: 100, width: 50 } };
}

const ramp = (n: number, from = 0) => Int16Array.from({ length: n }, (_, i) => from + i);

describe('window presets', () => {
  it('offers the Hounsfield presets (lung, bone, brain, liver) on CT', () => {
    const names = windowPresets(image('CT', ramp(2000, -1000))).map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(['Auto', 'Full range', 'Lung', 'Bone', 'Brain', 'Liver']));
    expect(windowPresets(image('CT', ramp(10))).find((p) => p.name === 'Lung')!.window).toEqual({
      center: -600,
      width: 1500,
    });
  });

  it.each(['MR', 'US', null])('offers no Hounsfield preset on %s, but percentile windows', (modality) => {
    const presets = windowPresets(image(modality, ramp(1001)));
    const names = presets.map((p) => p.name);
    for (const hu of ['Lung', 'Bone', 'Brain', 'Liver', 'Soft tissue']) expect(names).not.toContain(hu);
    expect(names).toEqual(['Auto', 'Full range', '1–99 %', '5–95 %']);
    expect(presets[1]!.window).toEqual({ center: 500, width: 1000 });
    expect(presets[0]!.window).toEqual({ center: 100, width: 50 }); // the image's own default
  });

  it('computes percentile windows from the samples', () => {
    expect(percentileWindow(ramp(1001), 1, 0.05, 0.95)).toEqual({ center: 500, width: 900 });
    // A few extreme values do not stretch the 1-99 % window.
    const spiky = Int16Array.from({ length: 1000 }, (_, i) => (i < 5 ? 30000 : i % 100));
    expect(percentileWindow(spiky, 1, 0.01, 0.99).width).toBeLessThan(100);
  });

  it('offers nothing for colour images, which are drawn as they are', () => {
    expect(windowPresets(image('US', new Uint8Array(30), 3))).toEqual([]);
  });
});

describe('the W/L readout', () => {
  it('shows width and level, rounded to what the data resolves', () => {
    expect(formatWindow({ center: 40, width: 400 })).toBe('W 400  L 40');
    expect(formatWindow({ center: -600.4, width: 1500.2 })).toBe('W 1500  L -600');
    expect(formatWindow({ center: 0.1234, width: 0.5 })).toBe('W 0.500  L 0.123');
  });
});
