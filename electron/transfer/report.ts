/**
 * What a transfer run leaves for people and scripts: metrics.json (everything, machine-readable),
 * metrics.csv (one row per test image, one Dice/IoU column pair per source) and report.html (one
 * self-contained page: the run, the score table, Dice bars of teachers vs fused vs student, the learning
 * curves of transfer and fine-tuning, the most uncertain pseudo-labels).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FusionReport } from '../../shared/fusion-report.js';
import { csvText } from '../../shared/csv.js';
import type { SourceScore, TransferSpec } from '../../shared/transfer.js';
import { parseCsvRecords } from '../io/csv.js';
import type { EpochRecord } from '../students/checkpoint.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { diceBars, esc, learningCurves, num, REPORT_STYLE } from '../util/report-html.js';
import type { SourceEvaluation } from './evaluate.js';
import type { StudentChannels } from './student-channels.js';
import type { PseudoLabelResult } from './pseudo-label.js';

export interface RunRecord {
  spec: TransferSpec;
  appVersion: string;
  pseudo: PseudoLabelResult;
  training: {
    name: string;
    history: EpochRecord[];
    bestEpoch: number | null;
    bestValDice: number | null;
    epochsRun?: number;
    /** The student's input channels and why (runs recorded before this was chosen have none). */
    channels?: StudentChannels;
  };
  finetune: {
    name: string;
    history: EpochRecord[];
    bestEpoch: number | null;
    bestValDice: number | null;
  } | null;
  evaluations: SourceEvaluation[];
  exported: { dir: string; card: string; onnx: string } | null;
  /** Where each teacher ran in this invocation, by name ('webgpu', 'cuda', 'cpu', a tfjs backend, 'none'). */
  teacherProviders?: Record<string, string>;
}

const KIND_COLOR = { teacher: '#9aa5b1', fused: '#d48a2c', student: '#3fa7ff' } as const;

export function scoresOf(evaluations: readonly SourceEvaluation[]): SourceScore[] {
  return evaluations.map((e) => ({
    source: e.source,
    kind: e.kind,
    n: e.evaluation.summary.n,
    dice: e.evaluation.summary.dice_mean,
    iou: e.evaluation.summary.iou_mean,
    hd95Px: e.evaluation.summary.hd95_px_mean,
  }));
}

/** One row per test image; a source without a prediction for an image leaves its cells empty. */
export function metricsCsv(evaluations: readonly SourceEvaluation[]): string {
  const ids = [...new Set(evaluations.flatMap((e) => e.evaluation.cases.map((c) => c.case)))].sort();
  const byCase = evaluations.map((e) => new Map(e.evaluation.cases.map((c) => [c.case, c])));
  const header = ['image', ...evaluations.flatMap((e) => [`${e.source} dice`, `${e.source} iou`])];
  const rows = ids.map((id) => [
    id,
    ...byCase.flatMap((m) => {
      const c = m.get(id);
      return c ? [c.dice.toFixed(6), c.iou.toFixed(6)] : ['', ''];
    }),
  ]);
  return csvText(header, rows);
}

function curves(name: string, history: readonly EpochRecord[]): string {
  return learningCurves({
    name,
    history: history.map((h) => ({ epoch: h.epoch, loss: h.loss, valDice: h.valDice ?? NaN })),
  });
}

/** The student's input, and why (absent from runs recorded before it was chosen). */
function channelsText(t: RunRecord['training']): string {
  if (!t.channels) return 'grey input';
  return `${t.channels.channels === 3 ? 'colour' : 'grey'} input (${esc(t.channels.reason)})`;
}

/** Which fusion ran and why: the sentence, the teachers' weights and agreement, the thresholds. */
export function fusionSection(f: FusionReport | undefined): string {
  if (!f) return '';
  const rows = f.teachers
    .map(
      (t) =>
        `<tr><td>${esc(t.name)}</td><td>${t.weight === null ? '' : num(t.weight)}</td><td>${t.agreement === null ? '' : num(t.agreement)}</td></tr>`,
    )
    .join('');
  const t = f.threshold;
  const thresholds = t.perImage
    ? `per image: median ${num(t.median)}, min ${num(t.min)}, max ${num(t.max)}`
    : `fixed at ${num(t.median)}`;
  return `<h2>Fusion: ${esc(f.method)}</h2>
<p>${esc(f.why)}</p>
<table><thead><tr><th>Teacher</th><th>Weight</th><th>Agreement with the others</th></tr></thead><tbody>${rows}</tbody></table>
<p><small>${f.images} transferal image(s) fused; threshold ${thresholds}; ${f.emptyImages} judged empty; test-time augmentation: ${f.ttaViews.length ? esc(f.ttaViews.join(', ')) : 'none'}; weights ${f.weightsFrom === 'reused' ? 'reused from another set' : 'estimated on this set'}, no label read.</small></p>`;
}

/** The first `n` rows of the run's review-queue.csv as table rows; none when it is missing or unreadable. */
function queueRows(file: string, n: number): string {
  let rows: Record<string, string>[];
  try {
    rows = parseCsvRecords(readFileSync(file, 'utf8'), file, 'a review queue').slice(0, n);
  } catch {
    return '';
  }
  return rows
    .map(
      (q) =>
        `<tr><td>${esc(q.rank ?? '')}</td><td>${esc(q.image ?? '')}</td><td>${esc(q.disagreement ?? '')}</td><td>${esc(q.entropy ?? '')}</td><td>${q.corrected === '1' ? 'yes' : ''}</td></tr>`,
    )
    .join('');
}

export function renderTransferReport(r: RunRecord, generatedAt: Date): string {
  const s = r.spec;
  const scores = scoresOf(r.evaluations);
  const table = scores
    .map(
      (x) =>
        `<tr><td>${esc(x.source)}</td><td>${x.kind}</td><td>${x.n}</td><td>${num(x.dice)}</td><td>${num(x.iou)}</td><td>${num(x.hd95Px, 1)}</td></tr>`,
    )
    .join('');
  const teacherList = s.teachers.map((t) => `<li>${esc(t)}</li>`).join('');
  const devices = Object.entries(r.teacherProviders ?? {}).map(([n, d]) => `${n}: ${d}`);
  const ranOn = devices.length ? `<li>Teachers ran on: ${esc(devices.join(', '))}</li>\n` : '';
  const ft = s.finetune
    ? `<li>Fine-tuning: ${esc(s.finetune.images)} (${s.finetune.epochs} epochs, learning rate ${s.finetune.learningRate}${s.finetune.freezeEncoder ? ', encoder frozen' : ''})</li>`
    : '';
  const p = r.pseudo;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Apprentice knowledge transfer: ${esc(s.name)}</title>
<style>${REPORT_STYLE}</style></head><body>
<h1>Knowledge transfer: ${esc(s.name)}</h1>
<ul>
<li>Teachers (${s.teachers.length}):<ul>${teacherList}</ul></li>
${ranOn}<li>Transferal images: ${esc(s.transferal.images)}: ${p.images} read, ${p.labeled} pseudo-labeled, ${p.corrected} corrected by a person, ${p.failed} failed</li>
<li>Fusion: ${esc(s.fusion.method)}, ${s.fusion.method === 'auto' ? 'threshold per image' : `threshold ${s.fusion.threshold}`}${s.post.largestComponent ? ', largest component' : ''}${s.post.fillHoles ? ', holes filled' : ''}${s.post.minIslandSize ? `, islands &lt; ${s.post.minIslandSize} px removed` : ''}</li>
<li>Student: ${esc(s.student.arch)} at ${s.student.size}&times;${s.student.size}, ${channelsText(r.training)}, ${s.student.epochs === undefined ? `${s.student.steps} steps${r.training.epochsRun === undefined ? '' : ` (${r.training.epochsRun} epochs)`}` : `${s.student.epochs} epochs`}, batch ${s.student.batchSize}, learning rate ${s.student.learningRate}, seed ${s.seed}</li>
${ft}
<li>Test set: ${s.test ? esc(s.test.images) : 'none given'}</li>
</ul>
<p><small>Apprentice ${esc(r.appVersion)}, ${esc(generatedAt.toISOString())}. Output folder ${esc(s.out)}.</small></p>
${
  scores.length
    ? `<h2>Test set: teachers, fused label, student</h2>
${diceBars(scores.map((x) => ({ label: x.source, value: x.dice, color: KIND_COLOR[x.kind] })))}
<table><thead><tr><th>Source</th><th>Kind</th><th>n</th><th>Dice</th><th>IoU</th><th>HD95 px</th></tr></thead><tbody>${table}</tbody></table>
<p><small>Each teacher is scored alone, on its plain map (no test-time augmentation): foreground where its probability &gt; ${s.fusion.threshold}, with the run's post-processing.${s.fusion.method === 'auto' ? ' The fused row reuses the weights estimated on the transferal set.' : ''} ${esc(r.evaluations[0]?.evaluation.summary.conventions ?? '')}</small></p>`
    : '<p>No test set was given: nothing was scored against ground truth.</p>'
}
${fusionSection(p.fusion)}
<h2>Learning curves</h2>
<p><small>Validation Dice of the transfer is measured against pseudo-labels of held-out transferal cases; of fine-tuning, against the held-out labeled images.</small></p>
${curves(`${r.training.name} (transfer)`, r.training.history)}${r.finetune ? curves(`${r.finetune.name} (fine-tuning)`, r.finetune.history) : ''}
<h2>Most uncertain pseudo-labels</h2>
<p><small>Review these first (the whole queue: ${esc(p.queue)}).</small></p>
<table><thead><tr><th>Rank</th><th>Image</th><th>Disagreement</th><th>Entropy</th><th>Corrected</th></tr></thead><tbody>${queueRows(p.queue, 10)}</tbody></table>
${r.exported ? `<h2>Student</h2><p>TF.js: ${esc(r.exported.dir)}<br>ONNX: ${esc(r.exported.onnx)}<br>Card: ${esc(r.exported.card)}</p>` : ''}
</body></html>
`;
}

export interface ReportFiles {
  html: string;
  json: string;
  csv: string;
}

export function writeTransferReport(r: RunRecord, generatedAt = new Date()): ReportFiles {
  const files = {
    html: join(r.spec.out, 'report.html'),
    json: join(r.spec.out, 'metrics.json'),
    csv: join(r.spec.out, 'metrics.csv'),
  };
  const json = {
    name: r.spec.name,
    generatedAt: generatedAt.toISOString(),
    appVersion: r.appVersion,
    spec: r.spec,
    pseudoLabels: r.pseudo,
    fusion: r.pseudo.fusion ?? null,
    test: scoresOf(r.evaluations),
    summaries: r.evaluations.map((e) => ({ source: e.source, kind: e.kind, ...e.evaluation.summary })),
    training: r.training,
    finetune: r.finetune,
    exported: r.exported,
    teacherProviders: r.teacherProviders ?? null,
  };
  writeFileAtomic(files.json, JSON.stringify(json, null, 1));
  writeFileAtomic(files.csv, metricsCsv(r.evaluations));
  writeFileAtomic(files.html, renderTransferReport(r, generatedAt));
  return files;
}
