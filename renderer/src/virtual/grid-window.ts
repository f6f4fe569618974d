/**
 * Which part of a long list of equal-height rows is on screen: the rows a virtualised list renders (the
 * visible ones plus an overscan either side) and the padding that stands in for the rest, so that the
 * scrollbar keeps the whole list's length while the DOM holds only a screenful. Pure, for unit tests.
 */

export interface GridGeometry {
  /** Items in all. */
  count: number;
  /** Items per row (1 for a plain list). */
  columns: number;
  /** Height of one row in pixels, gap included. */
  rowHeight: number;
  /** The scroller's scrollTop and clientHeight. */
  scrollTop: number;
  viewportHeight: number;
  /** Rows rendered beyond each edge of the viewport (smooth scrolling, keyboard moves). */
  overscan: number;
}

export interface GridWindow {
  /** Items [start, end) are rendered. */
  start: number;
  end: number;
  /** Space above and below the rendered rows, in pixels. */
  padTop: number;
  padBottom: number;
}

export function gridWindow(g: GridGeometry): GridWindow {
  const columns = Math.max(1, Math.floor(g.columns));
  const rowHeight = Math.max(1, g.rowHeight);
  const rows = Math.ceil(Math.max(0, g.count) / columns);
  if (rows === 0) return { start: 0, end: 0, padTop: 0, padBottom: 0 };
  const top = Math.max(0, g.scrollTop);
  // The same number of rows at every position (the rows a viewport can touch, plus the overscan): cells
  // keyed by their place in the window then recycle one row's elements when the grid moves by a row.
  // A count that changed with the position (6 rows here, 7 there) re-keyed every cell instead.
  const shown = Math.ceil(Math.max(0, g.viewportHeight) / rowHeight) + 1 + 2 * g.overscan;
  const firstRow = Math.max(0, Math.min(Math.floor(top / rowHeight) - g.overscan, rows - shown));
  const endRow = Math.min(rows, firstRow + shown);
  return {
    start: firstRow * columns,
    end: Math.min(g.count, endRow * columns),
    padTop: firstRow * rowHeight,
    padBottom: (rows - endRow) * rowHeight,
  };
}

/** How many columns of at least `minWidth` (plus `gap` between them) fit in `width`. */
export function columnsFor(width: number, minWidth: number, gap: number): number {
  return Math.max(1, Math.floor((width + gap) / (minWidth + gap)));
}

/** The scrollTop that brings item `index` into view, or null when it is already fully visible. */
export function scrollToReveal(
  index: number,
  g: Pick<GridGeometry, 'columns' | 'rowHeight' | 'scrollTop' | 'viewportHeight'>,
): number | null {
  const row = Math.floor(index / Math.max(1, g.columns));
  const top = row * g.rowHeight;
  if (top < g.scrollTop) return top;
  if (top + g.rowHeight > g.scrollTop + g.viewportHeight) return top + g.rowHeight - g.viewportHeight;
  return null;
}
