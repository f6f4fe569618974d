/**
 * The scale benchmark's screens section: the real web shell on the big project, driven in Debian's
 * Chromium as a person would use it, timed in the page.
 *
 * - opening: the project opened through the API, then the app loaded and the Data grid showing its first
 *   thumbnails;
 * - the Data grid scrolled through from top to bottom, one screen per frame (a scrollbar dragged: the grid
 *   races, showing cell outlines), then for a few seconds at a flick's speed (cells, no thumbnails fetched)
 *   and at a reading speed (cells, thumbnails fetched and shown as they come: see
 *   renderer/src/virtual/scroll-pace.ts), the frame times taken from requestAnimationFrame with the
 *   frame-rate limit off (so a frame lasts as long as its work: 16.7 ms at 60 Hz would otherwise be the
 *   floor), and the DOM's cells counted all the way;
 * - filter and search: from the change (a status chosen, a search typed, which waits SEARCH_DELAY_MS for
 *   the typing to pause) to the count and the first cells painted;
 * - the review queue: from the click on Review to the most uncertain image painted;
 * - switching images: from the key to the next image painted, after a pause on each (a person looks at
 *   an image before moving on), and without a pause.
 *
 * Run alone: tsx test/bench/scale/ui.ts --project DIR [--renderer DIR]; npm run bench:scale runs it on
 * the generated project. The renderer is $APPRENTICE_RENDERER_DIR (--renderer), else built from this
 * checkout into the work folder first.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { CHROMIUM_PATH } from '../../helpers/browser.js';
import { REPO_ROOT } from '../../helpers/temp.js';
import { startWebShellProcess } from '../../helpers/web-shell-process.js';
import { connectWsApi } from '../../helpers/ws-api.js';
import type { ScaleContext, ScaleRow } from './types.js';

const SECTION = 'screens';
const OPEN_TARGET_MS = 2000;
const FRAME_TARGET_MS = 16;
const FILTER_TARGET_MS = 200;
const QUEUE_TARGET_MS = 1000;
const SWITCH_TARGET_MS = 150;
/** At most this many frames for the whole scroll (a 50,000-image grid is ~1,000,000 px tall). */
const MAX_SCROLL_FRAMES = 1500;
/** The timed scrolls at a person's speeds, in screens a second, and how long each lasts. */
const FLICK_SCREENS_PER_S = 4;
const READING_SCREENS_PER_S = 1;
const TIMED_SCROLL_MS = 8000;
const SWITCHES = 30;
/** How long a person looks at an image before the next one. */
const LOOK_MS = 400;
const VIEWPORT = { width: 1440, height: 900 };

function percentile(values: readonly number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]! : NaN;
}
const round1 = (v: number) => Math.round(v * 10) / 10;

function row(name: string, value: number, unit: string, target: number, note?: string): ScaleRow {
  return {
    section: SECTION,
    name,
    value: round1(value),
    unit,
    target: `<= ${target} ${unit}`,
    met: value <= target,
    ...(note ? { note } : {}),
  };
}

/** Resolves after the next frame is painted, in the page: what the person sees has been drawn. */
const PAINTED = 'new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))';

/** The time from `act` (run in the page) until `done()` holds and a frame is painted, in ms. */
async function timeInPage(page: Page, act: string, done: string, timeoutMs = 30_000): Promise<number> {
  return page.evaluate<number>(`(async () => {
    const t0 = performance.now();
    ${act}
    for (;;) {
      if (${done}) break;
      if (performance.now() - t0 > ${timeoutMs}) throw new Error('not done after ${timeoutMs} ms: ' + ${JSON.stringify(done)});
      await new Promise((r) => setTimeout(r, 1));
    }
    await ${PAINTED};
    return performance.now() - t0;
  })()`);
}

const q = (testid: string) => `document.querySelector('[data-testid="${testid}"]')`;
const countText = `${q('curation-count')}?.textContent ?? ''`;

interface ScrollFigures {
  frames: number[];
  maxCells: number;
  longTasks: number;
  height: number;
  step: number;
  /** Frames in which the grid showed outlines only (racing). */
  racing: number;
  /** Thumbnails shown (drawn) when the scroll ended. */
  drawn: number;
}

/**
 * Scrolls the grid, recording each frame's time and the most cells in the DOM: from top to bottom a step
 * per frame (`step` null: a screen, or more where a screen per frame would take over `maxFrames`), or at
 * `pxPerS` for `ms` milliseconds from where it is. A string: tsx would wrap named functions of a
 * page.evaluate callback in a helper the page does not have.
 */
function scrollScript(maxFrames: number, timed?: { pxPerS: number; ms: number }): string {
  return `(async () => {
    const el = ${q('image-grid-scroller')};
    const grid = ${q('image-grid')};
    const step = Math.max(el.clientHeight, el.scrollHeight / ${maxFrames});
    const timed = ${JSON.stringify(timed ?? null)};
    const frames = [];
    let maxCells = 0;
    let longTasks = 0;
    let racing = 0;
    const obs = new PerformanceObserver((l) => (longTasks += l.getEntries().length));
    obs.observe({ entryTypes: ['longtask'] });
    await new Promise((done) => {
      const t0 = performance.now();
      const top0 = el.scrollTop;
      let last = t0;
      function frame(t) {
        frames.push(t - last);
        last = t;
        maxCells = Math.max(maxCells, grid.children.length);
        if (grid.classList.contains('racing')) racing++;
        if (timed) {
          if (t - t0 >= timed.ms || el.scrollTop + el.clientHeight >= el.scrollHeight - 1) return done();
          el.scrollTop = top0 + Math.round((timed.pxPerS * (t - t0)) / 1000);
        } else {
          if (el.scrollTop + el.clientHeight >= el.scrollHeight - 1) return done();
          el.scrollTop += step;
        }
        requestAnimationFrame(frame);
      }
      requestAnimationFrame(frame);
    });
    obs.disconnect();
    const drawn = grid.querySelectorAll('img[data-drawn]').length;
    return { frames: frames.slice(1), maxCells, longTasks, height: el.scrollHeight, step, racing, drawn };
  })()`;
}

/** A scroll pass's row: its frame p95 against the target, and what happened in it. */
function scrollRow(name: string, s: ScrollFigures, extra: string): ScaleRow {
  // Frames at Chromium's 60 Hz tick: with the frame-rate limit off it still waits for the tick after a
  // frame that had nothing to draw, so these are counted apart.
  const atTick = s.frames.filter((f) => f >= 16 && f < 18).length;
  return row(
    name,
    percentile(s.frames, 95),
    'ms',
    FRAME_TARGET_MS,
    `${s.frames.length} frames; median ${round1(percentile(s.frames, 50))} ms, p90 ${round1(percentile(s.frames, 90))} ms, ` +
      `max ${round1(Math.max(...s.frames))} ms; ${atTick} frames at 16-18 ms (the 60 Hz tick); ` +
      `${s.longTasks} long tasks; at most ${s.maxCells} cells in the DOM; outlines only in ${s.racing} frames; ${extra}`,
  );
}

/**
 * The renderer to serve: $APPRENTICE_RENDERER_DIR when set, else one built now from the checkout into the
 * work folder, so that the figures are those of this source and not of an older dist/renderer.
 */
function rendererFor(workDir: string): string {
  const given = process.env.APPRENTICE_RENDERER_DIR;
  const dir = resolve(given ?? join(workDir, 'renderer'));
  if (!given) {
    const vite = join(REPO_ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
    const args = [vite, 'build', '--config', 'renderer/vite.config.ts', '--outDir', dir, '--emptyOutDir'];
    const r = spawnSync(process.execPath, args, { cwd: REPO_ROOT, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`building the renderer into ${dir} failed:\n${r.stderr}`);
  }
  if (!existsSync(join(dir, 'index.html'))) throw new Error(`${dir} holds no built renderer (index.html)`);
  return dir;
}

export async function measureUi(ctx: ScaleContext): Promise<ScaleRow[]> {
  const renderer = rendererFor(ctx.workDir);
  const userData = mkdtempSync(join(tmpdir(), 'apprentice-scale-ui-'));
  const server = await startWebShellProcess(userData, { APPRENTICE_RENDERER_DIR: renderer });
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    // No frame-rate cap: a frame's time is then its work, not the display's 16.7 ms.
    args: ['--no-sandbox', '--disable-gpu', '--disable-gpu-vsync', '--disable-frame-rate-limit'],
  });
  const rows: ScaleRow[] = [];
  try {
    const client = await connectWsApi(server.loginUrl);
    const t0 = performance.now();
    const opened = await client.api.openProject({ path: ctx.projectDir });
    const openMs = performance.now() - t0;
    client.close();
    const images = opened.counts.images ?? ctx.slices;

    const page = await browser.newPage({ viewport: VIEWPORT });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));

    // Open: the app loads with the project open, Data shows the grid's first thumbnails.
    const t1 = performance.now();
    await page.goto(server.loginUrl);
    await page.getByTestId('nav-data').waitFor();
    const appMs = performance.now() - t1;
    await page.getByTestId('nav-data').click();
    await page
      .locator('[data-testid="image-grid"] li:not(.placeholder)')
      .first()
      .waitFor({ timeout: 60_000 });
    const cellsMs = performance.now() - t1;
    await timeInPage(
      page,
      '',
      `!!document.querySelector('[data-testid="image-grid"] img[data-drawn]')`,
      60_000,
    );
    const shownMs = performance.now() - t1;
    rows.push(
      row('open the project (API)', openMs, 'ms', OPEN_TARGET_MS, `${images} images`),
      row(
        'app loaded to the Data grid with thumbnails',
        shownMs,
        'ms',
        OPEN_TARGET_MS,
        `app ready ${Math.round(appMs)} ms, first cells ${Math.round(cellsMs)} ms, first thumbnail ${Math.round(shownMs)} ms`,
      ),
    );

    // Scroll the whole grid, a screen per frame.
    const scroll = await page.evaluate<ScrollFigures>(scrollScript(MAX_SCROLL_FRAMES));
    // The last screen's thumbnails arrive.
    const tailMs = await timeInPage(
      page,
      '',
      `[...document.querySelectorAll('[data-testid="image-grid"] li:not(.placeholder)')].slice(-8).every((li) => li.querySelector('img[data-drawn]'))`,
    );
    rows.push(
      scrollRow(
        `Data grid: scroll through ${images} images a screen per frame, frame p95`,
        scroll,
        `${Math.round(scroll.step)} px a frame over ${Math.round(scroll.height)} px; ` +
          `thumbnails of the last screen ${Math.round(tailMs)} ms after stopping`,
      ),
    );

    // At a person's speeds, from the middle of the grid upwards and downwards: a flick (cells, thumbnails
    // wait) and reading (cells and their thumbnails as they come).
    const viewport = await page.evaluate<number>(`${q('image-grid-scroller')}.clientHeight`);
    for (const [what, screens, dir] of [
      ['a flick', FLICK_SCREENS_PER_S, -1],
      ['reading', READING_SCREENS_PER_S, 1],
    ] as const) {
      await page.evaluate(
        `${q('image-grid-scroller')}.scrollTop = ${q('image-grid-scroller')}.scrollHeight / ${dir < 0 ? 2 : 3}`,
      );
      await page.waitForTimeout(1500);
      const pxPerS = dir * screens * viewport;
      const s = await page.evaluate<ScrollFigures>(
        scrollScript(MAX_SCROLL_FRAMES, { pxPerS, ms: TIMED_SCROLL_MS }),
      );
      rows.push(
        scrollRow(
          `Data grid: ${what}, ${screens} screen${screens > 1 ? 's' : ''} a second for ${TIMED_SCROLL_MS / 1000} s, frame p95`,
          s,
          `${Math.round(Math.abs(pxPerS))} px/s; ${s.drawn} thumbnails shown at the end`,
        ),
      );
    }

    // Filters and search, each from the change to the count and cells painted.
    const filterCases: { name: string; act: string }[] = [
      {
        name: 'filter: status accepted',
        act: `const s = ${q('curation-status')}; s.value = 'accepted'; s.dispatchEvent(new Event('change'));`,
      },
      {
        name: 'filter: back to any status',
        act: `const s = ${q('curation-status')}; s.value = ''; s.dispatchEvent(new Event('change'));`,
      },
      {
        name: 'search: a tag ("check-artefact")',
        act: `const s = ${q('curation-search')}; s.value = 'check-artefact'; s.dispatchEvent(new Event('input'));`,
      },
      {
        name: 'search: part of a file name ("_00")',
        act: `const s = ${q('curation-search')}; s.value = '_00'; s.dispatchEvent(new Event('input'));`,
      },
      {
        name: 'search cleared',
        act: `const s = ${q('curation-search')}; s.value = ''; s.dispatchEvent(new Event('input'));`,
      },
    ];
    for (const f of filterCases) {
      const before = await page.evaluate(countText);
      const ms = await timeInPage(
        page,
        f.act,
        `(${countText}) !== ${JSON.stringify(before)} && !!document.querySelector('[data-testid="image-grid"] li:not(.placeholder), [data-testid="grid-empty"]')`,
      );
      const after = await page.evaluate(countText);
      rows.push(
        row(f.name, ms, 'ms', FILTER_TARGET_MS, `${after} images; searches include the 60 ms typing pause`),
      );
    }

    // The review queue, most uncertain first.
    const queueMs = await timeInPage(
      page,
      `${q('nav-review')}.click();`,
      `!!document.querySelector('.statusline .path')?.textContent && !!${q('queue-item-0')}?.querySelector('.qname:not(.muted)')`,
    );
    const queueCount = await page.getByTestId('review-progress').textContent();
    rows.push(
      row('review queue opens (most uncertain first)', queueMs, 'ms', QUEUE_TARGET_MS, queueCount ?? ''),
    );

    // Switching images with the keyboard.
    const name = `document.querySelector('.statusline .path')?.textContent ?? ''`;
    const switchTimes = async (pauseMs: number): Promise<number[]> => {
      const times: number[] = [];
      for (let k = 0; k < SWITCHES; k++) {
        if (pauseMs) await page.waitForTimeout(pauseMs);
        const before = await page.evaluate(name);
        times.push(
          await timeInPage(
            page,
            `window.dispatchEvent(new KeyboardEvent('keydown', { key: 'n', bubbles: true }));`,
            `(${name}) !== ${JSON.stringify(before)}`,
          ),
        );
      }
      return times;
    };
    const looked = await switchTimes(LOOK_MS);
    rows.push(
      row(
        `switch to the next image, p95 of ${SWITCHES}`,
        percentile(looked, 95),
        'ms',
        SWITCH_TARGET_MS,
        `${LOOK_MS} ms on each image first (the next one is fetched meanwhile); median ${round1(percentile(looked, 50))} ms`,
      ),
    );
    const rapid = await switchTimes(0);
    rows.push({
      ...row(`switch without a pause, p95 of ${SWITCHES}`, percentile(rapid, 95), 'ms', SWITCH_TARGET_MS),
      target: 'reference',
      met: true,
      note: `keys held down: nothing fetched ahead; median ${round1(percentile(rapid, 50))} ms`,
    });
    if (errors.length) throw new Error(`the page failed: ${errors.join('; ')}`);
  } finally {
    await browser.close();
    await server.stop();
    rmSync(userData, { recursive: true, force: true });
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const argv = process.argv.slice(2);
  const arg = (n: string) => (argv.includes(n) ? argv[argv.indexOf(n) + 1] : undefined);
  const project = arg('--project');
  if (!project) {
    console.error('usage: tsx test/bench/scale/ui.ts --project DIR [--renderer DIR]');
    process.exit(2);
  }
  if (arg('--renderer')) process.env.APPRENTICE_RENDERER_DIR = resolve(arg('--renderer')!);
  const dir = resolve(project);
  const workDir = mkdtempSync(join(tmpdir(), 'apprentice-ui-bench-'));
  const rows = await measureUi({ dataDir: '', projectDir: dir, workDir, slices: 0 }).finally(() =>
    rmSync(workDir, { recursive: true, force: true }),
  );
  for (const r of rows)
    console.log(
      `${r.met ? 'ok ' : 'NO '} ${r.name}: ${r.value} ${r.unit} (target ${r.target})${r.note ? `\n     ${r.note}` : ''}`,
    );
}
