/** Zoom and pan: the mapping between screen (CSS pixels of the canvas) and image coordinates. */
export interface Viewport {
  /** Screen pixels per image pixel. */
  scale: number;
  /** Screen position of the image's top-left corner. */
  offsetX: number;
  offsetY: number;
}

export const MIN_SCALE = 0.05;
export const MAX_SCALE = 64;

export function fitViewport(cols: number, rows: number, width: number, height: number, margin = 8): Viewport {
  const scale = Math.max(MIN_SCALE, Math.min((width - 2 * margin) / cols, (height - 2 * margin) / rows));
  return { scale, offsetX: (width - cols * scale) / 2, offsetY: (height - rows * scale) / 2 };
}

/** 1:1 (one image pixel per device pixel is `1 / devicePixelRatio`; we use one per CSS pixel), centred. */
export function actualSize(cols: number, rows: number, width: number, height: number): Viewport {
  return { scale: 1, offsetX: (width - cols) / 2, offsetY: (height - rows) / 2 };
}

export function toImage(v: Viewport, sx: number, sy: number): { x: number; y: number } {
  return { x: (sx - v.offsetX) / v.scale, y: (sy - v.offsetY) / v.scale };
}

/** Zooms by `factor` keeping the image point under (sx, sy) where it is. */
export function zoomAt(v: Viewport, sx: number, sy: number, factor: number): Viewport {
  const scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, v.scale * factor));
  const p = toImage(v, sx, sy);
  return { scale, offsetX: sx - p.x * scale, offsetY: sy - p.y * scale };
}

export function panBy(v: Viewport, dx: number, dy: number): Viewport {
  return { ...v, offsetX: v.offsetX + dx, offsetY: v.offsetY + dy };
}
