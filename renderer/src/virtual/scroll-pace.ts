/**
 * How fast a scrolling list moves, in the terms of what a person can see of it:
 * - `reading`: still, or slow enough to look at the cells (every cell, with its thumbnail);
 * - `skimming`: a flick: cells pass in under half a second, so work done for a cell's sake (fetching and
 *   drawing thumbnails) waits until the list slows down or stops;
 * - `racing`: the scrollbar dragged through thousands of images, several screens a second: nothing can
 *   be read, so cells are not rendered at all, only their outlines, and the rows under the list when it
 *   slows down are rendered then.
 *
 * On the two-core machine of the benchmark, a thumbnail fetched and drawn for every passing cell took the
 * server a core and the page half of its frames' time; rendering a new screenful of cells every frame
 * took the page 10-20 ms a frame in software raster. Pure (times and positions are given), for unit tests.
 */
export type ScrollPace = 'reading' | 'skimming' | 'racing';

export interface ScrollPaceOptions {
  /** Faster than this (pixels per millisecond) is skimming; read at each move (it follows the viewport). */
  skimSpeed: () => number;
  /** Faster than this is racing (and racing lasts until the speed falls under half of it). */
  raceSpeed: () => number;
  /** Still for this long (ms) after the last move is reading. */
  settleMs: number;
}

export class ScrollPaceDetector {
  private lastTop: number | undefined;
  private lastTime = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  pace: ScrollPace = 'reading';

  constructor(
    private readonly opts: ScrollPaceOptions,
    /** Called when `pace` changes. */
    private readonly onChange: (pace: ScrollPace) => void,
  ) {}

  /** The list is at `top` (pixels) at time `now` (ms). */
  moved(top: number, now: number): void {
    const dt = now - this.lastTime;
    // The first move after a pause (or ever) has no speed yet: a jump (a search, a revealed item) is one move.
    const speed =
      this.lastTop === undefined || dt > this.opts.settleMs
        ? 0
        : Math.abs(top - this.lastTop) / Math.max(dt, 1);
    this.lastTop = top;
    this.lastTime = now;
    clearTimeout(this.timer);
    this.timer = undefined;
    const race = this.opts.raceSpeed();
    // Hysteresis: a speed hovering at the limit does not switch the cells on and off every frame.
    const racing = speed > (this.pace === 'racing' ? race / 2 : race);
    this.set(racing ? 'racing' : speed > this.opts.skimSpeed() ? 'skimming' : 'reading');
    if (this.pace !== 'reading') this.timer = setTimeout(() => this.set('reading'), this.opts.settleMs);
  }

  dispose(): void {
    clearTimeout(this.timer);
  }

  private set(pace: ScrollPace): void {
    if (pace === this.pace) return;
    this.pace = pace;
    this.onChange(pace);
  }
}
