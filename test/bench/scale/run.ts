/**
 * npm run bench:scale: a 50,000-slice project on one machine. Generates the source files (generate.ts)
 * unless they are there, imports them with the real import service in a child process (time and peak
 * memory, for a tenth of the project and for all of it), then times what the screens ask of the
 * open project through the AppApi: opening it, the Data grid's pages, filters and searches, and the
 * review queue. Then runs the other sections where their files exist (ui.ts, training.ts, labelling.ts,
 * each returning ScaleRow[]), prints every figure against its target and writes test-results/scale.json.
 *
 *   npm run bench:scale -- [--slices 50000] [--data DIR] [--work DIR] [--reuse] [--seed 1]
 *                          [--sections ui,training,labelling | none]
 *
 * --reuse keeps generated data and an imported project from an earlier run with the same size (the
 * import figures are then the earlier run's, marked so).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createAppServices, type AppServices } from '../../../electron/services/app-services.js';
import { createNullLogger } from '../../../electron/services/logger.js';
import { ProjectStore } from '../../../electron/store/project-store.js';
import { GENERATOR_VERSION, generate, readScaleData, type ScaleData } from './generate.js';
import type { ImportChildReport, ImportChildRequest } from './import-child.js';
import type { ScaleContext, ScaleRow } from './types.js';

const REPO = resolve(import.meta.dirname, '..', '..', '..');
const IMPORT_TARGET = 200; // slices/s
const RSS_GROWTH_LIMIT = 1.25; // peak at the full project over peak at a tenth of it
const OPEN_TARGET_MS = 2000;
const FILTER_TARGET_MS = 200;
const QUEUE_TARGET_MS = 1000;
const REPEATS = 5;

interface Args {
  slices: number;
  dataDir: string;
  workDir: string;
  reuse: boolean;
  seed: number;
  /** The other sections to run (default all three). */
  sections: string[];
}

function parseArgs(argv: string[]): Args {
  const get = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const slices = Number(get('--slices') ?? 50_000);
  if (!Number.isInteger(slices) || slices < 100)
    throw new Error('--slices must be an integer of at least 100');
  const root = join(tmpdir(), 'apprentice-scale');
  return {
    slices,
    dataDir: resolve(get('--data') ?? join(root, `data-${slices}`)),
    workDir: resolve(get('--work') ?? join(root, `work-${slices}`)),
    reuse: argv.includes('--reuse'),
    seed: Number(get('--seed') ?? 1),
    sections: (get('--sections') ?? 'ui,training,labelling').split(',').filter((x) => x && x !== 'none'),
  };
}

const log = (s: string) => console.log(s);

function ensureData(a: Args): { data: ScaleData; generated: boolean } {
  const have = readScaleData(a.dataDir);
  if (
    a.reuse &&
    have &&
    have.version === GENERATOR_VERSION &&
    have.slices === a.slices &&
    have.seed === a.seed
  )
    return { data: have, generated: false };
  log(`Generating ${a.slices} slices in ${a.dataDir} ...`);
  return { data: generate({ slices: a.slices, outDir: a.dataDir, seed: a.seed, log }), generated: true };
}

/** The import of a tenth of the project: the largest series first (memory is bounded by it), then more. */
function smallImport(
  data: ScaleData,
  dataDir: string,
): { imports: ImportChildRequest['imports']; slices: number } {
  const want = Math.max(1, Math.round(data.slices / 10));
  const imports: ImportChildRequest['imports'] = [];
  let slices = 0;
  const want3d = Math.round(want * 0.8);
  const largest = data.series.reduce((a, b) => (b.pixelBytes > a.pixelBytes ? b : a));
  for (const s of [largest, ...data.series.filter((x) => x !== largest)]) {
    if (slices >= want3d && imports.length > 0) break;
    imports.push({ path: join(dataDir, s.dir), dataset: 'series' });
    slices += s.slices;
  }
  for (const f of data.images2d) {
    if (slices >= want) break;
    imports.push({ path: join(dataDir, f.dir), dataset: '2d' });
    slices += f.images;
  }
  return { imports, slices };
}

function runChild(req: ImportChildRequest): Promise<ImportChildReport> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'import-child.ts'), JSON.stringify(req)],
      { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new Error(`import child exited ${code}: ${out.slice(-2000)}`));
      try {
        resolveRun(JSON.parse(line) as ImportChildReport);
      } catch {
        reject(new Error(`import child printed no report: ${out.slice(-2000)}`));
      }
    });
  });
}

interface ImportFigures {
  slices: number;
  seed: number;
  small: ImportChildReport & { requested: number };
  full: ImportChildReport;
  largestSeriesBytes: number;
}

async function importBoth(a: Args, data: ScaleData, projectDir: string): Promise<ImportFigures> {
  const saved = join(a.workDir, 'import.json');
  if (a.reuse && existsSync(saved) && existsSync(projectDir)) {
    const f = JSON.parse(readFileSync(saved, 'utf8')) as ImportFigures;
    if (f.slices === a.slices && f.seed === a.seed) {
      log(`Reusing the project imported earlier at ${projectDir}`);
      return f;
    }
  }
  rmSync(a.workDir, { recursive: true, force: true });
  mkdirSync(a.workDir, { recursive: true });
  const small = smallImport(data, a.dataDir);
  log(`Importing a tenth (${small.slices} slices, ${small.imports.length} folders) ...`);
  const smallReport = await runChild({
    projectDir: join(a.workDir, 'project-small'),
    imports: small.imports,
  });
  rmSync(join(a.workDir, 'project-small'), { recursive: true, force: true });
  log(`Importing all ${data.slices} slices ...`);
  const full = await runChild({
    projectDir,
    imports: [
      { path: join(a.dataDir, 'series'), dataset: 'series' },
      { path: join(a.dataDir, '2d'), dataset: '2d' },
    ],
  });
  const figures: ImportFigures = {
    slices: a.slices,
    seed: a.seed,
    small: { ...smallReport, requested: small.slices },
    full,
    largestSeriesBytes: Math.max(...data.series.map((s) => s.pixelBytes)),
  };
  writeFileSync(saved, JSON.stringify(figures, null, 1));
  return figures;
}

/**
 * What a project in use holds beyond its images, written once after the import: the pseudo-labelling's
 * uncertainty metrics for every image, a tenth reviewed, some tags, splits. Written through the store
 * as the jobs write them; not timed.
 */
function seedProjectState(projectDir: string): void {
  const store = ProjectStore.open(projectDir, { appVersion: 'bench-scale' });
  try {
    if (store.metrics.list({ name: 'teachers.disagreement', imageId: 1 }).length > 0) return;
    const ids = store.db.all<{ id: number }>('SELECT id FROM images ORDER BY id').map((r) => r.id);
    let x = 12345;
    const rand = () => (x = (x * 1103515245 + 12345) >>> 0) / 2 ** 32;
    const metrics = ids.flatMap((imageId) => [
      { imageId, name: 'teachers.disagreement', value: rand() },
      { imageId, name: 'teachers.entropy', value: rand() },
    ]);
    // One transaction: seeding is setup, not a figure.
    store.db.tx(() => {
      store.metrics.record(metrics);
      for (let k = 0; k < ids.length; k += 10) store.review.set(ids[k]!, { state: 'accepted' });
      store.images.addTags(
        ids.filter((_, k) => k % 20 === 0),
        ['check-artefact'],
      );
      store.images.setSplit(
        ids.filter((_, k) => k % 3 === 0),
        'train',
      );
    });
  } finally {
    store.close();
  }
}

/** Median and worst of `n` timed calls, in ms. */
async function timed<T>(n: number, fn: () => Promise<T>): Promise<{ median: number; max: number; value: T }> {
  const ms: number[] = [];
  let value!: T;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    value = await fn();
    ms.push(performance.now() - t0);
  }
  ms.sort((p, q) => p - q);
  return { median: ms[Math.floor(ms.length / 2)]!, max: ms[ms.length - 1]!, value };
}

function appServices(userData: string): AppServices {
  return createAppServices({
    userDataDir: userData,
    platform: { shell: 'web' },
    logger: createNullLogger(),
    initCompute: async () => {
      throw new Error('the scale benchmark needs no compute engine');
    },
  });
}

async function measureProject(projectDir: string): Promise<ScaleRow[]> {
  const rows: ScaleRow[] = [];
  const userData = mkdtempSync(join(tmpdir(), 'apprentice-scale-user-'));
  const services = appServices(userData);
  const api = services.api;
  try {
    // Opening: what the renderer calls when a project is chosen, then the Data grid's first page.
    const t0 = performance.now();
    const summary = await api.openProject({ path: projectDir });
    const openMs = performance.now() - t0;
    const datasets = await api.listDatasets();
    const first = await timed(1, () => api.listImagesPage({ limit: 100 }));
    rows.push({
      section: 'data',
      name: 'open project (openProject + listDatasets + first page)',
      value: round(openMs + first.median),
      unit: 'ms',
      target: `<= ${OPEN_TARGET_MS} ms`,
      met: openMs + first.median <= OPEN_TARGET_MS,
      note: `openProject ${round(openMs)} ms for ${summary.counts.images} images, first page ${round(first.median)} ms`,
    });
    const series = datasets.find((d) => d.name === 'series')!;
    const queries: [string, Parameters<typeof api.listImagesPage>[0]][] = [
      ['Data grid: a dataset, first page', { filter: { datasetId: series.id }, limit: 100 }],
      [
        'Data grid: page at the end (offset)',
        { offset: Math.max(0, (summary.counts.images ?? 0) - 100), limit: 100 },
      ],
      [
        'filter: status unreviewed + split train',
        { filter: { status: 'unreviewed', split: 'train' }, limit: 100 },
      ],
      [
        'filter: accepted, included only',
        { filter: { status: 'accepted', includeExcluded: false }, limit: 100 },
      ],
      ['search: file name part ("IM_012")', { search: 'IM_012', limit: 100 }],
      ['search: ultrasound name ("bus_0")', { search: 'bus_0', limit: 100 }],
      ['search: tag ("artefact")', { search: 'artefact', limit: 100 }],
      ['search: 2 characters ("HC")', { search: 'HC', limit: 100 }],
    ];
    for (const [name, q] of queries) {
      const t = await timed(REPEATS, () => api.listImagesPage(q));
      rows.push({
        section: 'data',
        name,
        value: round(t.median),
        unit: 'ms',
        target: `<= ${FILTER_TARGET_MS} ms`,
        met: t.max <= FILTER_TARGET_MS,
        note: `median of ${REPEATS}, worst ${round(t.max)} ms; ${t.value.total} match`,
      });
    }
    // The review queue: most uncertain unreviewed first, and its first image with its masks.
    const queue = await timed(REPEATS, async () => {
      const page = await api.listImagesPage({
        sort: 'uncertainty',
        filter: { datasetId: series.id, status: 'unreviewed' },
        limit: 100,
      });
      const top = page.items[0]!;
      await api.getImage({ imageId: top.id });
      await api.getMasks({ imageId: top.id });
      return page;
    });
    rows.push({
      section: 'review',
      name: 'review queue opens (most uncertain first + its first image)',
      value: round(queue.median),
      unit: 'ms',
      target: `<= ${QUEUE_TARGET_MS} ms`,
      met: queue.max <= QUEUE_TARGET_MS,
      note: `median of ${REPEATS}, worst ${round(queue.max)} ms; queue of ${queue.value.total}`,
    });
    // For comparison: the whole-list call the screens made before listImagesPage.
    const whole = await timed(1, () => api.listImages({}));
    rows.push({
      section: 'data',
      name: 'listImages, whole list (the old client-side path)',
      value: round(whole.median),
      unit: 'ms',
      target: 'reference',
      met: true,
      note: `${whole.value.length} items; the screens page with listImagesPage instead`,
    });
  } finally {
    await services.dispose();
    rmSync(userData, { recursive: true, force: true });
  }
  return rows;
}

function importRows(f: ImportFigures, reused: boolean): ScaleRow[] {
  const rate = f.full.imported / f.full.seconds;
  const growth = f.full.peakRssBytes / f.small.peakRssBytes;
  const mb = (b: number) => Math.round(b / 2 ** 20);
  const again = reused ? ' (from the earlier run, --reuse)' : '';
  return [
    {
      section: 'import',
      name: `import ${f.full.imported} slices`,
      value: Math.round(rate),
      unit: 'slices/s',
      target: `>= ${IMPORT_TARGET} slices/s`,
      met: rate >= IMPORT_TARGET,
      note: `${round(f.full.seconds)} s, ${f.full.skipped} skipped, load ${f.full.load.map((l) => l.toFixed(1)).join('-')} on ${cpus().length} cores; a tenth: ${Math.round(f.small.imported / f.small.seconds)} slices/s${again}`,
    },
    {
      section: 'import',
      name: 'import per CPU-second (what a core not shared with other jobs gives)',
      value: Math.round(f.full.imported / f.full.cpuSeconds),
      unit: 'slices/s',
      target: `>= ${IMPORT_TARGET} slices/s`,
      met: f.full.imported / f.full.cpuSeconds >= IMPORT_TARGET,
      note: `${round((1000 * f.full.cpuSeconds) / f.full.imported)} ms CPU (user + system) per slice, one process${again}`,
    },
    {
      section: 'import',
      name: `import peak RSS, ${f.full.imported} vs ${f.small.imported} slices`,
      value: Number(growth.toFixed(2)),
      unit: 'x',
      target: `<= ${RSS_GROWTH_LIMIT}x`,
      met: growth <= RSS_GROWTH_LIMIT,
      note:
        `peak ${mb(f.full.peakRssBytes)} MiB vs ${mb(f.small.peakRssBytes)} MiB (base ${mb(f.full.baseRssBytes)} MiB; ` +
        `JS heap peak ${mb(f.full.peaks.heapUsed)} vs ${mb(f.small.peaks.heapUsed)}, buffers ${mb(f.full.peaks.arrayBuffers)} vs ${mb(f.small.peaks.arrayBuffers)} MiB); ` +
        `largest series ${mb(f.largestSeriesBytes)} MiB of pixels, in both${again}`,
    },
  ];
}

async function section(file: string, exportName: string, ctx: ScaleContext): Promise<ScaleRow[]> {
  const path = join(import.meta.dirname, file);
  const name = file.replace(/\.ts$/, '');
  if (!existsSync(path))
    return [
      {
        section: name,
        name: `${name} (${file} absent)`,
        value: 0,
        unit: '',
        target: 'not measured',
        met: false,
        note: 'not measured',
      },
    ];
  try {
    const mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
    const fn = mod[exportName] as ((c: ScaleContext) => Promise<ScaleRow[]>) | undefined;
    if (typeof fn !== 'function') throw new Error(`${file} does not export ${exportName}`);
    return await fn(ctx);
  } catch (err) {
    return [
      {
        section: name,
        name: `${name} failed`,
        value: 0,
        unit: '',
        target: 'measured',
        met: false,
        note: String(err instanceof Error ? err.message : err),
      },
    ];
  }
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}

function printTable(rows: ScaleRow[]): void {
  const head = ['section', 'figure', 'value', 'target', 'met'];
  const body = rows.map((r) => [
    r.section,
    r.name,
    `${r.value} ${r.unit}`.trim(),
    r.target,
    r.met ? 'yes' : 'NO',
  ]);
  const widths = head.map((h, c) => Math.max(h.length, ...body.map((b) => b[c]!.length)));
  const line = (cells: string[]) => cells.map((s, c) => s.padEnd(widths[c]!)).join('  ');
  log(line(head));
  log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const [k, b] of body.entries()) {
    log(line(b));
    if (rows[k]!.note) log(`${' '.repeat(widths[0]! + 2)}  ${rows[k]!.note}`);
  }
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const { data, generated } = ensureData(a);
  const rows: ScaleRow[] = [
    {
      section: 'generate',
      name: `source files: ${data.series.length} series + ${data.images2d.reduce((n, f) => n + f.images, 0)} 2-D images`,
      value: Math.round(data.seconds),
      unit: 's',
      target: 'reference',
      met: true,
      note: `${(data.bytesOnDisk / 1e9).toFixed(2)} GB in ${a.dataDir}${generated ? '' : ' (reused)'}`,
    },
  ];
  const projectDir = join(a.workDir, 'project');
  const reusedImport = a.reuse && existsSync(join(a.workDir, 'import.json')) && existsSync(projectDir);
  const figures = await importBoth(a, data, projectDir);
  rows.push(...importRows(figures, reusedImport));
  seedProjectState(projectDir);
  log("Timing the screens' queries ...");
  rows.push(...(await measureProject(projectDir)));
  const ctx: ScaleContext = { dataDir: a.dataDir, projectDir, workDir: a.workDir, slices: a.slices };
  const sections: [string, string, string][] = [
    ['ui', 'ui.ts', 'measureUi'],
    ['training', 'training.ts', 'measureTraining'],
    ['labelling', 'labelling.ts', 'measureLabelling'],
  ];
  for (const [name, file, fn] of sections)
    if (a.sections.includes(name)) rows.push(...(await section(file, fn, ctx)));
  log('');
  printTable(rows);
  const out = join(REPO, 'test-results', 'scale.json');
  mkdirSync(join(REPO, 'test-results'), { recursive: true });
  writeFileSync(
    out,
    JSON.stringify(
      {
        command: `npm run bench:scale -- --slices ${a.slices}`,
        slices: a.slices,
        dataDir: a.dataDir,
        projectDir,
        seconds: Math.round((performance.now() - started) / 1000),
        rows,
      },
      null,
      1,
    ),
  );
  log(`\n${rows.filter((r) => r.met).length}/${rows.length} met; written to ${out}`);
}

await main();
