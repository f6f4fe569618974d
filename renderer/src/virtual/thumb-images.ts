// Thumbnails shown in a virtual grid's <img> cells (DOM types: kept apart from the loader, which Node
// tests load).
import type { Directive } from 'vue';
import type { Thumbnail } from '@shared/dto';
import { greyBmp } from './grey-bmp';

/**
 * Which <img> shows which image, and each thumbnail as an image URL (a BMP as a data: URL, made once and
 * forgotten when the loader drops the thumbnail; a blob: URL took ~2 ms each to register, a round trip to
 * the browser process, against 0.1 ms), so that a thumbnail is shown where it belongs when it arrives,
 * without rendering the grid again: a batch arriving mid-scroll re-rendered every cell before, most of
 * them for images already scrolled away.
 *
 * `v-thumb="imageId"` (from `directive`) on an <img>: shows that image's thumbnail if `lookup` has it,
 * else nothing until `arrived` brings it; `data-drawn` is set once the browser has it decoded. A
 * directive rather than a component: a virtual grid patches dozens of these per frame while scrolling.
 */
/** Thumbnails put into their cells per frame as they arrive. */
const SHOWN_PER_FRAME = 3;

export class ThumbImages {
  private readonly byImage = new Map<number, Set<HTMLImageElement>>();
  private readonly imageOf = new WeakMap<HTMLImageElement, number>();
  private readonly urls = new Map<number, string>();
  /** Arrived, not shown yet (`arrived`), and the frame that shows the next few. */
  private readonly pending = new Set<number>();
  private frame = 0;

  constructor(private readonly lookup: (imageId: number) => Thumbnail | undefined) {}

  readonly directive: Directive<HTMLImageElement, number | undefined> = {
    mounted: (el, b) => {
      el.addEventListener('load', () => (el.dataset.drawn = ''));
      this.show(el, b.value);
    },
    updated: (el, b) => {
      if (b.value !== b.oldValue) this.show(el, b.value);
    },
    beforeUnmount: (el) => this.forget(el),
  };

  /**
   * Thumbnails that just came: shown in the images showing their ids now, a few per frame (each is an
   * image the browser loads and decodes: a batch at once was one slow frame).
   */
  arrived(thumbs: readonly Thumbnail[]): void {
    for (const t of thumbs) this.pending.add(t.imageId);
    if (!this.frame) this.frame = requestAnimationFrame(() => this.flush());
  }

  private flush(): void {
    this.frame = 0;
    let n = 0;
    for (const id of this.pending) {
      if (n >= SHOWN_PER_FRAME) break;
      this.pending.delete(id);
      const els = this.byImage.get(id);
      if (!els) continue; // scrolled away meanwhile
      for (const el of els) this.paint(el, id);
      n++;
    }
    if (this.pending.size) this.frame = requestAnimationFrame(() => this.flush());
  }

  /** The loader dropped these thumbnails: their URLs go too. */
  dropped(imageIds: readonly number[]): void {
    for (const id of imageIds) this.urls.delete(id);
  }

  /** The grid is going: thumbnails still waiting for a frame are not shown. */
  dispose(): void {
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.pending.clear();
  }

  /** Shows each image again from `lookup` (after the loader was cleared: stale thumbnails go). */
  refresh(): void {
    for (const [id, els] of this.byImage) for (const el of els) this.paint(el, id);
  }

  private show(el: HTMLImageElement, imageId: number | undefined): void {
    this.forget(el);
    if (imageId !== undefined) {
      let els = this.byImage.get(imageId);
      if (!els) this.byImage.set(imageId, (els = new Set()));
      els.add(el);
      this.imageOf.set(el, imageId);
    }
    this.paint(el, imageId);
  }

  private paint(el: HTMLImageElement, imageId: number | undefined): void {
    const url = imageId === undefined ? undefined : this.urlOf(imageId);
    if (url === undefined) {
      el.removeAttribute('src');
      delete el.dataset.drawn;
    } else if (el.getAttribute('src') !== url) {
      delete el.dataset.drawn;
      el.src = url;
    }
  }

  private urlOf(imageId: number): string | undefined {
    let url = this.urls.get(imageId);
    if (url !== undefined) return url;
    const t = this.lookup(imageId);
    if (!t) return undefined;
    url = `data:image/bmp;base64,${base64(greyBmp(t.pixels, t.width, t.height))}`;
    this.urls.set(imageId, url);
    return url;
  }

  private forget(el: HTMLImageElement): void {
    const old = this.imageOf.get(el);
    if (old === undefined) return;
    this.imageOf.delete(el);
    const els = this.byImage.get(old);
    els?.delete(el);
    if (els && !els.size) this.byImage.delete(old);
  }
}

function base64(bytes: Uint8Array): string {
  let s = '';
  // In slices: fromCharCode takes its arguments on the stack.
  for (let i = 0; i < bytes.length; i += 8192)
    s += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192) as unknown as number[]);
  return btoa(s);
}
