// How fast the grid moves, as what a person can see of it: reading (cells with thumbnails), skimming (no
// thumbnails fetched), racing (no cells, only outlines); back to reading once it stops.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ScrollPaceDetector, type ScrollPace } from '../../../../renderer/src/virtual/scroll-pace.js';

// A 600 px viewport: skimming above 2 screens/s (1.2 px/ms), racing above 10 (6 px/ms).
const opts = { skimSpeed: () => 1.2, raceSpeed: () => 6, settleMs: 100 };

describe('ScrollPaceDetector', () => {
  let changes: ScrollPace[];
  let d: ScrollPaceDetector;
  beforeEach(() => {
    vi.useFakeTimers();
    changes = [];
    d = new ScrollPaceDetector(opts, (p) => changes.push(p));
  });
  afterEach(() => {
    d.dispose();
    vi.useRealTimers();
  });

  it('reads while the list moves slowly, a wheel step at a time', () => {
    for (let k = 0; k <= 30; k++) d.moved(k * 10, k * 16); // 0.6 px/ms
    expect(d.pace).toBe('reading');
    expect(changes).toEqual([]);
  });

  it('skims a flick, races a dragged scrollbar, and reads again when it stops', () => {
    d.moved(0, 0);
    d.moved(48, 16); // 3 px/ms
    expect(d.pace).toBe('skimming');
    d.moved(48 + 600, 32); // a screen in a frame
    expect(d.pace).toBe('racing');
    vi.advanceTimersByTime(99);
    expect(d.pace).toBe('racing');
    vi.advanceTimersByTime(1);
    expect(d.pace).toBe('reading');
    expect(changes).toEqual(['skimming', 'racing', 'reading']);
  });

  it('keeps racing until the speed falls under half the limit (no flicker at the limit)', () => {
    d.moved(0, 0);
    d.moved(112, 16); // 7 px/ms: racing
    d.moved(112 + 80, 32); // 5 px/ms: under the limit, above half of it
    expect(d.pace).toBe('racing');
    d.moved(112 + 80 + 40, 48); // 2.5 px/ms
    expect(d.pace).toBe('skimming');
    d.moved(112 + 80 + 40 + 80, 64); // 5 px/ms again: not racing from below
    expect(d.pace).toBe('skimming');
  });

  it('takes a jump after a pause (a search, a revealed image) as one move, not as speed', () => {
    d.moved(0, 0);
    d.moved(500_000, 5_000);
    expect(d.pace).toBe('reading');
  });

  it('follows the viewport: the limits are read at each move', () => {
    let screen = 600;
    const p = new ScrollPaceDetector(
      { skimSpeed: () => (2 * screen) / 1000, raceSpeed: () => (10 * screen) / 1000, settleMs: 100 },
      () => undefined,
    );
    p.moved(0, 0);
    p.moved(32, 16); // 2 px/ms: skimming a 600 px viewport
    expect(p.pace).toBe('skimming');
    screen = 1200;
    p.moved(64, 32); // the same speed in a taller viewport is reading
    expect(p.pace).toBe('reading');
    p.dispose();
  });
});
