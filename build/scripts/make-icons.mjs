// Draws the application icon (the logo of renderer/public/favicon.svg: a ring with its right half filled)
// as PNGs for electron-builder, which derives .ico and .icns from them. Run: node build/scripts/make-icons.mjs
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encode } from 'fast-png';

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'icons');
mkdirSync(out, { recursive: true });
const BG = [13, 16, 20];
const ACCENT = [63, 167, 255];

for (const size of [16, 32, 48, 64, 128, 256, 512, 1024]) {
  const data = new Uint8Array(size * size * 4);
  const c = size / 2;
  const corner = size * 0.1875;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      // 4x4 supersampling for smooth edges.
      let bg = 0;
      let fg = 0;
      for (let sy = 0; sy < 4; sy++) {
        for (let sx = 0; sx < 4; sx++) {
          const px = x + (sx + 0.5) / 4;
          const py = y + (sy + 0.5) / 4;
          const dx = Math.max(corner - px, 0, px - (size - corner));
          const dy = Math.max(corner - py, 0, py - (size - corner));
          if (dx * dx + dy * dy > corner * corner) continue; // outside the rounded square
          const r = Math.hypot(px - c, py - c) / size;
          const ring = Math.abs(r - 0.3125) < 0.039;
          const half = px >= c && r <= 0.3125;
          if (ring || half) fg++;
          else bg++;
        }
      }
      const i = (y * size + x) * 4;
      const n = bg + fg;
      for (let k = 0; k < 3; k++) data[i + k] = n ? Math.round((bg * BG[k] + fg * ACCENT[k]) / n) : 0;
      data[i + 3] = Math.round((255 * n) / 16);
    }
  }
  writeFileSync(join(out, `${size}x${size}.png`), encode({ width: size, height: size, data, channels: 4 }));
}
console.log(`icons written to ${out}`);
