/**
 * Slice viewer latency in Debian's Chromium through the web shell (issue 7's targets):
 *  - brush: from a pointer event (its timeStamp) to the first animation frame after the stroke was
 *    painted into the canvas, i.e. the frame that shows it; p50/p95 over a few hundred moves on a
 *    512x512 16-bit image. Target p95 <= 16 ms.
 *  - image switch: from the "next image" key press to the viewer's 'apprentice:image-shown' mark (pixels
 *    fetched over the WebSocket, windowed and drawn); p50/p95 over 512x512 16-bit images. Target <= 150 ms.
 * Run: npm run bench:viewer   (the last line printed is one JSON object)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode } from 'fast-png';
import { launchChromium } from '../helpers/browser.js';
import { startWebShellProcess } from '../helpers/web-shell-process.js';
import { connectWsApi, waitForJob } from '../helpers/ws-api.js';
import { tempDir } from '../helpers/temp.js';

const SIZE = 512;
const IMAGES = 12;
const MOVES = 300;

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

async function main(): Promise<void> {
  const t = tempDir('apprentice-bench-viewer-');
  const images = join(t.dir, 'images');
  mkdirSync(images);
  // Synthetic 16-bit images with structure (so windowing has work to do), written as real PNG files.
  for (let k = 0; k < IMAGES; k++) {
    const data = new Uint16Array(SIZE * SIZE);
    for (let y = 0; y < SIZE; y++)
      for (let x = 0; x < SIZE; x++)
        data[y * SIZE + x] = (Math.sin(x / 17 + k) * Math.cos(y / 23) + 1) * 20000 + ((x * y) % 97);
    writeFileSync(
      join(images, `img${String(k).padStart(2, '0')}.png`),
      encode({ width: SIZE, height: SIZE, data, depth: 16, channels: 1 }),
    );
  }
  const server = await startWebShellProcess(join(t.dir, 'user-data'));
  const client = await connectWsApi(server.loginUrl);
  const browser = await launchChromium();
  try {
    await client.api.createProject({ parentDir: t.dir, name: 'bench' });
    const job = await client.api.importImages({ path: images, dataset: 'bench' });
    await waitForJob(client.api, job.jobId);
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(server.loginUrl);
    await page.getByTestId('nav-review').click();
    await page.getByTestId('viewer-canvas').waitFor();
    await page.waitForTimeout(500);

    // Brush: record, in the page, event time -> first frame after the handler painted.
    // Per move: until the next animation frame (the frame that shows the stroke), and the viewer's own
    // handler time (window capture listener -> window bubbling listener, which run around it).
    // (In-page scripts are strings: the Node tsconfig has no DOM types.)
    await page.evaluate(`(() => {
      window.__lat = [];
      window.__proc = [];
      window.addEventListener('pointermove', () => (window.__start = performance.now()), { capture: true });
      window.addEventListener('pointermove', (e) => {
        if (e.buttons !== 1) return;
        const t0 = e.timeStamp;
        window.__proc.push(performance.now() - window.__start);
        requestAnimationFrame(() => window.__lat.push(performance.now() - t0));
      });
    })()`);
    const box = (await page.getByTestId('viewer-canvas').boundingBox())!;
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    await page.mouse.move(cx, cy);
    await page.mouse.down();
    for (let i = 0; i < MOVES; i++) {
      const a = (i / MOVES) * Math.PI * 6;
      await page.mouse.move(cx + Math.cos(a) * 150, cy + Math.sin(a) * 150);
    }
    await page.mouse.up();
    const brush = (await page.evaluate('window.__lat')) as number[];
    const processing = (await page.evaluate('window.__proc')) as number[];

    // Image switch: key press -> image-shown mark.
    const switches: number[] = [];
    for (let i = 1; i < IMAGES; i++) {
      await page.evaluate(() => performance.clearMarks('apprentice:image-shown'));
      const t0 = await page.evaluate(() => performance.now());
      await page.keyboard.press('n');
      await page.waitForFunction(() => performance.getEntriesByName('apprentice:image-shown').length > 0);
      const shown = await page.evaluate(
        () => performance.getEntriesByName('apprentice:image-shown')[0]!.startTime,
      );
      switches.push(shown - t0);
    }
    const result = {
      bench: 'viewer',
      image: `${SIZE}x${SIZE} uint16`,
      brush_ms: {
        n: brush.length,
        p50: +percentile(brush, 50).toFixed(2),
        p95: +percentile(brush, 95).toFixed(2),
      },
      brush_paint_ms: {
        p50: +percentile(processing, 50).toFixed(2),
        p95: +percentile(processing, 95).toFixed(2),
      },
      switch_ms: {
        n: switches.length,
        p50: +percentile(switches, 50).toFixed(1),
        p95: +percentile(switches, 95).toFixed(1),
      },
      targets: { brush_p95_ms: 16, switch_ms: 150 },
    };
    console.log(
      `brush latency   p50 ${result.brush_ms.p50} ms   p95 ${result.brush_ms.p95} ms   (event -> next frame; target p95 <= 16 ms, ${brush.length} moves)`,
    );
    console.log(
      `  handler p50 ${result.brush_paint_ms.p50} ms   p95 ${result.brush_paint_ms.p95} ms   (the viewer's pointer handler)`,
    );
    console.log(
      `image switch    p50 ${result.switch_ms.p50} ms   p95 ${result.switch_ms.p95} ms   (target <= 150 ms, ${switches.length} switches)`,
    );
    console.log(JSON.stringify(result));
  } finally {
    client.close();
    await browser.close();
    await server.stop();
    t.cleanup();
  }
}

await main();
