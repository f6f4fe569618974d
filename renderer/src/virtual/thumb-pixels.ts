// Thumbnails as the canvas draws them (DOM types: kept apart from the loader, which Node tests load).
import type { Directive } from 'vue';
import type { Thumbnail } from '@shared/dto';

/** The RGBA form of each thumbnail, made once: a virtual grid mounts the same cell again and again. */
const rgba = new WeakMap<Thumbnail, ImageData>();

export function thumbImageData(t: Thumbnail): ImageData {
  let data = rgba.get(t);
  if (data) return data;
  data = new ImageData(t.width, t.height);
  const out = new Uint32Array(data.data.buffer);
  // Little-endian RGBA as one word: 0xAABBGGRR.
  for (let i = 0; i < t.pixels.length; i++) {
    const v = t.pixels[i]!;
    out[i] = 0xff000000 | (v << 16) | (v << 8) | v;
  }
  rgba.set(t, data);
  return data;
}

/**
 * `v-thumb="thumbnail"` on a canvas: draws the thumbnail (or clears the canvas while there is none) and
 * marks it `data-drawn`. A directive rather than a component: a virtual grid mounts and patches dozens
 * of these per frame while scrolling, and a component instance each would cost more than the drawing.
 */
export const vThumb: Directive<HTMLCanvasElement, Thumbnail | undefined> = {
  mounted: (el, b) => drawThumb(el, b.value),
  updated: (el, b) => {
    if (b.value !== b.oldValue) drawThumb(el, b.value);
  },
};

function drawThumb(el: HTMLCanvasElement, t: Thumbnail | undefined): void {
  if (!t) {
    el.width = 0;
    el.height = 0;
    delete el.dataset.drawn;
    return;
  }
  el.width = t.width;
  el.height = t.height;
  el.getContext('2d')!.putImageData(thumbImageData(t), 0, 0);
  el.dataset.drawn = '';
}
