// The virtual grid's window: only the rows in view plus an overscan are rendered, padding stands in for
// the rest, and the scroll needed to bring an item into view.
import { describe, expect, it } from 'vitest';
import { columnsFor, gridWindow, scrollToReveal } from '../../../../renderer/src/virtual/grid-window.js';

const base = { count: 50_000, columns: 8, rowHeight: 160, viewportHeight: 640, overscan: 2 };

describe('gridWindow', () => {
  it('renders a screenful of rows at the top, with padding for the rest of the list', () => {
    const w = gridWindow({ ...base, scrollTop: 0 });
    expect(w).toMatchObject({ start: 0, end: 6 * 8, padTop: 0 });
    const rows = Math.ceil(50_000 / 8);
    expect(w.padTop + 6 * 160 + w.padBottom).toBe(rows * 160);
  });

  it('renders the same number of items anywhere in a 50,000-item list', () => {
    const w = gridWindow({ ...base, scrollTop: 500_000 });
    // rows 3125..3129 in view, two more either side
    expect(w.start).toBe((3125 - 2) * 8);
    expect(w.end).toBe((3129 + 2) * 8);
    expect(w.end - w.start).toBeLessThanOrEqual(9 * 8);
    expect(w.padTop).toBe((3125 - 2) * 160);
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
