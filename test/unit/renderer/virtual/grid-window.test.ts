// The virtual grid's window: only the rows in view plus an overscan are rendered, padding stands in for
// the rest, and the scroll needed to bring an item into view.
import { describe, expect, it } from 'vitest';
import { columnsFor, gridWindow, scrollToReveal } from '../../../../renderer/src/virtual/grid-window.js';

const base = { count: 50_000, columns: 8, rowHeight: 160, viewportHeight: 640, overscan: 2 };

describe('gridWindow', () => {
  it('renders a screenful of rows at the top, with padding for the rest of the list', () => {
    const w = gridWindow({ ...base, scrollTop: 0 });
    // 4 rows fill the viewport, a fifth when it straddles a row, and the overscan of 2 either side goes below
    expect(w).toMatchObject({ start: 0, end: 9 * 8, padTop: 0 });
    const rows = Math.ceil(50_000 / 8);
    expect(w.padTop + 9 * 160 + w.padBottom).toBe(rows * 160);
  });

  it('renders the same number of items anywhere in a 50,000-item list', () => {
    const w = gridWindow({ ...base, scrollTop: 500_000 });
    // rows 3125..3128 in view, two more either side (and room for a fifth row in view)
    expect(w.start).toBe((3125 - 2) * 8);
    expect(w.end).toBe((3125 - 2 + 9) * 8);
    expect(w.padTop).toBe((3125 - 2) * 160);
  });

  it('renders the same number of rows at every position, so that a row scrolled by is one row recycled', () => {
    const sizes = new Set<number>();
    for (let top = 0; top <= 3200; top += 37) {
      const w = gridWindow({ ...base, scrollTop: top });
      sizes.add(w.end - w.start);
      // the rows in view are always rendered
      expect(w.start).toBeLessThanOrEqual(Math.floor(top / 160) * 8);
      expect(w.end).toBeGreaterThanOrEqual(Math.ceil((top + 640) / 160) * 8);
    }
    expect([...sizes]).toEqual([9 * 8]);
    // at the very end too: the window stops at the last row and reaches back
    const rows = Math.ceil(50_000 / 8);
    const last = gridWindow({ ...base, scrollTop: rows * 160 - 640 });
    expect(last.end).toBe(50_000);
    expect(last.start).toBe((rows - 9) * 8);
  });

  it('stops at the end of the list, the last row partly filled', () => {
    const count = 45;
    const w = gridWindow({ ...base, count, scrollTop: 10_000 });
    expect(w.end).toBe(45);
    expect(w.start).toBeLessThan(45);
    expect(w.padBottom).toBe(0);
  });

  it('renders nothing for an empty list, and survives odd geometry', () => {
    expect(gridWindow({ ...base, count: 0, scrollTop: 0 })).toEqual({
      start: 0,
      end: 0,
      padTop: 0,
      padBottom: 0,
    });
    const w = gridWindow({ ...base, count: 3, columns: 0, rowHeight: 0, scrollTop: -50, viewportHeight: -1 });
    expect(w.start).toBe(0);
    expect(w.end).toBeGreaterThan(0);
  });
});

describe('columnsFor', () => {
  it('fits as many columns of the minimum width as the gaps allow, at least one', () => {
    expect(columnsFor(1000, 112, 8)).toBe(8);
    expect(columnsFor(111, 112, 8)).toBe(1);
    expect(columnsFor(0, 112, 8)).toBe(1);
  });
});

describe('scrollToReveal', () => {
  const g = { columns: 1, rowHeight: 28, viewportHeight: 280 };
  it('scrolls up or down just enough, and not at all for a visible item', () => {
    expect(scrollToReveal(5, { ...g, scrollTop: 0 })).toBeNull();
    expect(scrollToReveal(10, { ...g, scrollTop: 0 })).toBe(11 * 28 - 280);
    expect(scrollToReveal(2, { ...g, scrollTop: 280 })).toBe(56);
  });
});
