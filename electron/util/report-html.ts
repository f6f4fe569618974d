/**
 * The evaluation report as one self-contained HTML file (no scripts, no external files): the summary
 * table with Dice bars, the per-image table, and each student's learning curves, so it can be mailed,
 * archived or printed as it is.
 */
import type { SavedEvaluation, StudentSummary } from '../../shared/dto.js';

export const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
export const num = (v: number | null | undefined, d = 3) =>
  v === null || v === undefined || Number.isNaN(v) ? '–' : v.toFixed(d);

/** Horizontal bars of values in [0, 1], one per labelled row (mean Dice per source). */
export function diceBars(rows: readonly { label: string; value: number; color?: string }[]): string {
  const rowH = 22;
  const w = 560;
  const label = 190;
  const h = rows.length * rowH + 10;
  const bars = rows
    .map((s, k) => {
      const y = 5 + k * rowH;
      const len = Math.max(0, Math.min(1, s.value)) * (w - label - 60);
      return `<text x="${label - 8}" y="${y + 14}" text-anchor="end">${esc(s.label)}</text><rect x="${label}" y="${y + 3}" width="${len.toFixed(1)}" height="14" fill="${s.color ?? '#3fa7ff'}"/><text x="${label + len + 6}" y="${y + 14}">${num(s.value)}</text>`;
    })
    .join('');
  return `<svg viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="Mean Dice per source">${bars}</svg>`;
}

function curve(
  points: [number, number][],
  color: string,
  x0: number,
  x1: number,
  y0: number,
  y1: number,
): string {
  const W = 360;
  const H = 150;
  const p = points
    .filter(([, y]) => Number.isFinite(y))
    .map(
      ([x, y]) =>
        `${(40 + ((x - x0) / Math.max(1e-9, x1 - x0)) * (W - 50)).toFixed(1)},${(H - 20 - ((y - y0) / Math.max(1e-9, y1 - y0)) * (H - 30)).toFixed(1)}`,
    )
    .join(' ');
  return `<polyline points="${p}" fill="none" stroke="${color}" stroke-width="2"/>`;
}

/** Loss and validation Dice per epoch of one training run, as an inline SVG figure. */
export function learningCurves(s: Pick<StudentSummary, 'name' | 'history'>): string {
  if (!s.history.length) return '';
  const xs = s.history.map((h) => h.epoch);
  const losses = s.history.map((h) => h.loss).filter(Number.isFinite);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const [l0, l1] = [Math.min(...losses), Math.max(...losses)];
  const axes = `<line x1="40" y1="130" x2="350" y2="130" stroke="#999"/><line x1="40" y1="10" x2="40" y2="130" stroke="#999"/><text x="40" y="146">epoch ${x0}</text><text x="350" y="146" text-anchor="end">${x1}</text>`;
  return `<figure><figcaption>${esc(s.name)}: loss (blue, ${num(l0)}–${num(l1)}) and validation Dice (green, 0–1)</figcaption><svg viewBox="0 0 360 150" width="360" height="150">${axes}${curve(
    s.history.map((h) => [h.epoch, h.loss]),
    '#3fa7ff',
    x0,
    x1,
    l0,
    l1,
  )}${curve(
    s.history.map((h) => [h.epoch, h.valDice]),
    '#2e9e6a',
    x0,
    x1,
    0,
    1,
  )}</svg></figure>`;
}

export const REPORT_STYLE = `
body{font-family:system-ui,sans-serif;margin:2rem;color:#1b1f24;max-width:1100px}
table{border-collapse:collapse;margin:0.5rem 0 1.5rem}td,th{border-bottom:1px solid #ddd;padding:4px 10px;text-align:right}
td:first-child,th:first-child{text-align:left}th{font-weight:600;background:#f3f5f7}
svg text{font-size:12px;font-family:system-ui,sans-serif}small{color:#666}figure{display:inline-block;margin:0 1rem 1rem 0}
`;

/** Which images an evaluation scored, as its request chose them: one split, or the whole dataset. */
export function evaluationCoverage(e: Pick<SavedEvaluation, 'settings' | 'images'>): string {
  const split = e.settings.split;
  return typeof split === 'string'
    ? `the ${split} split: ${e.images} images with ground truth`
    : `all its images with ground truth (${e.images})`;
}

/** The report of one kept evaluation, exactly as it was scored (its split, its rows, its numbers). */
export function renderReport(opts: {
  project: string;
  report: SavedEvaluation;
  students: StudentSummary[];
  appVersion: string;
  generatedAt: Date;
}): string {
  const { report } = opts;
  const dataset = `${esc(report.datasetName)}${report.datasetId === null ? ' (deleted since)' : ''}`;
  const split = typeof report.settings.split === 'string' ? `, ${report.settings.split} split` : '';
  const summary = report.sources
    .map(
      (s) =>
        `<tr><td>${esc(s.source)}</td><td>${s.summary.n}</td><td>${num(s.summary.dice_mean)}</td><td>${num(s.summary.iou_mean)}</td><td>${num(s.summary.precision_mean)}</td><td>${num(s.summary.recall_mean)}</td><td>${num(s.summary.hd95_px_mean, 1)}</td><td>${num(s.summary.hd95_mm_mean, 1)}</td></tr>`,
    )
    .join('');
  const cases = (report.sources[0]?.cases ?? [])
    .map(
      (c, k) =>
        `<tr><td>${esc(c.case)}</td>${report.sources.map((s) => `<td>${num(s.cases[k]?.dice)}</td>`).join('')}</tr>`,
    )
    .join('');
  // CT/MR series and NIfTI volumes scored whole, with the volumes left out and why.
  const volumeRows = report.sources
    .flatMap((s) =>
      (s.volumes?.cases ?? []).map(
        (v) =>
          `<tr><td>${esc(s.source)}</td><td>${esc(v.volume)}</td><td>${v.slices}</td><td>${num(v.dice)}</td><td>${num(v.hd95_mm, 1)}</td></tr>`,
      ),
    )
    .join('');
  const withVolumes = report.sources.find((s) => s.volumes)?.volumes;
  const volumesLeftOut = [
    ...new Set(
      report.sources.flatMap((s) => (s.volumes?.skipped ?? []).map((x) => `${x.volume}: ${x.reason}`)),
    ),
  ]
    .map((k) => `<li>${esc(k)}</li>`)
    .join('');
  const volumes = withVolumes
    ? `<h2>Per volume</h2>
<table><thead><tr><th>Source</th><th>Volume</th><th>Slices</th><th>Dice</th><th>HD95 mm</th></tr></thead><tbody>${volumeRows}</tbody></table>
${volumesLeftOut ? `<p>Left out:</p><ul>${volumesLeftOut}</ul>` : ''}<p><small>${esc(withVolumes.summary.conventions)}</small></p>
`
    : '';
  const students = opts.students
    .map((s) => `<tr><td>${esc(s.name)}</td><td>${num(s.bestValDice)}</td><td>${s.history.length}</td></tr>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Apprentice report: ${esc(opts.project)} / ${esc(report.datasetName)}${esc(split)}</title>
<style>${REPORT_STYLE}</style></head><body>
<h1>Apprentice evaluation report</h1>
<p>Project <b>${esc(opts.project)}</b>, dataset <b>${dataset}</b>, ${esc(evaluationCoverage(report))}.<br>
<small>Evaluated ${esc(report.createdAt)}; report by Apprentice ${esc(opts.appVersion)}, ${esc(opts.generatedAt.toISOString())}</small></p>
<h2>Mean Dice per source</h2>${diceBars(report.sources.map((s) => ({ label: s.source, value: s.summary.dice_mean })))}
<h2>Summary</h2>
<table><thead><tr><th>Source</th><th>n</th><th>Dice</th><th>IoU</th><th>Precision</th><th>Recall</th><th>HD95 px</th><th>HD95 mm</th></tr></thead><tbody>${summary}</tbody></table>
<p><small>${esc(report.sources[0]?.summary.conventions ?? '')}</small></p>
${volumes}<h2>Dice per image</h2>
<table><thead><tr><th>Image</th>${report.sources.map((s) => `<th>${esc(s.source)}</th>`).join('')}</tr></thead><tbody>${cases}</tbody></table>
${opts.students.length ? `<h2>Students</h2><table><thead><tr><th>Student</th><th>Best validation Dice</th><th>Epochs</th></tr></thead><tbody>${students}</tbody></table>${opts.students.map(learningCurves).join('')}` : ''}
</body></html>
`;
}
