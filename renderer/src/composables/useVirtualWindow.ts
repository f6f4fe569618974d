/**
 * The rendered window of a virtualised list or grid in a scrolling element: follows its scroll position
 * (once per frame) and size (ResizeObserver), works out the columns that fit and the items to render, and
 * says how fast it moves (`pace`: too fast to look at, work for a cell's sake can wait; see scroll-pace.ts).
 */
import { computed, onBeforeUnmount, ref, watch, type Ref } from 'vue';
import { columnsFor, gridWindow, scrollToReveal, type GridWindow } from '../virtual/grid-window';
import { ScrollPaceDetector, type ScrollPace } from '../virtual/scroll-pace';

export interface VirtualWindowOptions {
  count: () => number;
  rowHeight: number;
  /** Grid: the narrowest column and the gap between columns; omitted for a one-column list. */
  minColumnWidth?: number;
  gap?: number;
  overscan?: number;
  /** Faster than this many screens a second is skimming (default 2: a cell is then on screen under 0.5 s). */
  skimScreensPerSecond?: number;
  /** Faster than this many screens a second is racing (default 10). */
  raceScreensPerSecond?: number;
  /** Back to reading this long after the last move (ms, default 100). */
  settleMs?: number;
}

export function useVirtualWindow(scroller: Ref<HTMLElement | null>, opts: VirtualWindowOptions) {
  const scrollTop = ref(0);
  const width = ref(0);
  const height = ref(0);
  const pace = ref<ScrollPace>('reading');
  /** Screens a second as pixels a millisecond, for the viewport's height now. */
  const perMs = (screens: number) => ((height.value || 800) * screens) / 1000;
  const paceOf = new ScrollPaceDetector(
    {
      skimSpeed: () => perMs(opts.skimScreensPerSecond ?? 2),
      raceSpeed: () => perMs(opts.raceScreensPerSecond ?? 10),
      settleMs: opts.settleMs ?? 100,
    },
    (p) => (pace.value = p),
  );
  let frame = 0;
  const onScroll = () => {
    if (frame) return;
    frame = requestAnimationFrame((now) => {
      frame = 0;
      scrollTop.value = scroller.value?.scrollTop ?? 0;
      paceOf.moved(scrollTop.value, now);
    });
  };
  const resize = new ResizeObserver(() => {
    const el = scroller.value;
    if (!el) return;
    width.value = el.clientWidth;
    height.value = el.clientHeight;
  });
  watch(
    scroller,
    (el, old) => {
      old?.removeEventListener('scroll', onScroll);
      if (old) resize.unobserve(old);
      if (!el) return;
      el.addEventListener('scroll', onScroll, { passive: true });
      resize.observe(el);
      width.value = el.clientWidth;
      height.value = el.clientHeight;
      scrollTop.value = el.scrollTop;
    },
    { immediate: true },
  );
  onBeforeUnmount(() => {
    scroller.value?.removeEventListener('scroll', onScroll);
    resize.disconnect();
    paceOf.dispose();
    if (frame) cancelAnimationFrame(frame);
  });

  const columns = computed(() =>
    opts.minColumnWidth ? columnsFor(width.value, opts.minColumnWidth, opts.gap ?? 0) : 1,
  );
  const window = computed<GridWindow>(() =>
    gridWindow({
      count: opts.count(),
      columns: columns.value,
      rowHeight: opts.rowHeight,
      scrollTop: scrollTop.value,
      // Before the first layout: one screen's worth, so that something renders.
      viewportHeight: height.value || 800,
      overscan: opts.overscan ?? 2,
    }),
  );

  /** Scrolls just enough to show item `index` (keyboard moves, Review's next image). */
  function reveal(index: number): void {
    const el = scroller.value;
    if (!el) return;
    const top = scrollToReveal(index, {
      columns: columns.value,
      rowHeight: opts.rowHeight,
      scrollTop: el.scrollTop,
      viewportHeight: el.clientHeight,
    });
    if (top !== null) {
      el.scrollTop = top;
      scrollTop.value = top;
    }
  }

  /** Back to the top (a new filter). */
  function toTop(): void {
    if (scroller.value) scroller.value.scrollTop = 0;
    scrollTop.value = 0;
  }

  return { columns, width, window, pace, reveal, toTop };
}
