// The transfer report: per-image CSV with one column pair per source, escaped HTML, all files written.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CaseMetrics } from '../../../electron/engine/metrics/index.js';
import { summarize } from '../../../electron/engine/metrics/index.js';
import type { SourceEvaluation } from '../../../electron/transfer/evaluate.js';
import {
  metricsCsv,
  renderTransferReport,
  scoresOf,
  writeTransferReport,
  type RunRecord,
} from '../../../electron/transfer/report.js';
import { parseSpec } from '../../../electron/transfer/spec-file.js';
import { tempDir } from '../../helpers/temp.js';

const c = (id: string, dice: number): CaseMetrics =>
  ({
    case: id,
    dice,
    iou: dice / (2 - dice),
    precision: dice,
    recall: dice,
    hd95_px: 2,
    hd95_mm: null,
    truth_pixels: 10,
    pred_pixels: 10,
  }) as CaseMetrics;

function evaluation(source: string, kind: SourceEvaluation['kind'], cases: CaseMetrics[]): SourceEvaluation {
  return { source, kind, evaluation: { summary: summarize(cases), cases, unpaired: [] } };
}

const evals = [
  evaluation('teacher "a",<b>', 'teacher', [c('img1', 0.5), c('img2', 0.7)]),
  evaluation('fused (mean)', 'fused', [c('img1', 0.6), c('img2', 0.8)]),
  evaluation('student s', 'student', [c('img2', 0.9)]),
];

function record(out: string): RunRecord {
  return {
    spec: parseSpec({ name: 's', teachers: ['/t/<a>.json'], transferal: { images: '/i' }, out }, '/'),
    appVersion: '0.1.0',
    pseudo: {
      images: 2,
      labeled: 2,
      corrected: 0,
      failed: 0,
      errors: [],
      labels: `${out}/l`,
      queue: `${out}/none.csv`,
      seconds: 1,
    },
    training: {
      name: 's',
      history: [
        { epoch: 1, loss: 1, valDice: 0.5, valIou: 0.3, learningRate: 1e-3, seconds: 1 },
        { epoch: 2, loss: 0.5, valDice: 0.7, valIou: 0.5, learningRate: 1e-3, seconds: 1 },
      ],
      bestEpoch: 2,
      bestValDice: 0.7,
    },
    finetune: null,
    evaluations: evals,
    exported: null,
  };
}

describe('transfer report', () => {
  it('scores each source by its mean', () => {
    expect(scoresOf(evals).map((s) => [s.kind, s.n, s.dice])).toEqual([
      ['teacher', 2, 0.6],
      ['fused', 2, 0.7],
      ['student', 1, 0.9],
    ]);
  });

  it('writes one CSV row per image, quoting awkward names, empty cells where a source has no prediction', () => {
    const lines = metricsCsv(evals).trim().split('\n');
    expect(lines[0]).toBe(
      '"teacher ""a"",<b> dice","teacher ""a"",<b> iou",fused (mean) dice,fused (mean) iou,student s dice,student s iou'.replace(
        /^/,
        'image,',
      ),
    );
    expect(lines).toHaveLength(3);
    expect(lines[1]!.split(',').slice(-2)).toEqual(['', '']);
    expect(lines[2]!.split(',')[5]).toBe('0.900000');
  });

  it('escapes names in the HTML and draws bars and curves', () => {
    const html = renderTransferReport(record('/o'), new Date(0));
    expect(html).not.toContain('<b>');
    expect(html).toContain('teacher &#34;a&#34;,&#60;b&#62;');
    expect(html).toContain('/t/&#60;a&#62;.json');
    expect(html.match(/<svg/g)!.length).toBeGreaterThanOrEqual(2);
    expect(html).toContain('0.900');
  });

  it('reads the review queue with csv-parse: a quoted image name with a comma stays one cell', () => {
    // The report split the queue's lines at every comma, so "a,b" shifted the row's cells.
    const { dir, cleanup } = tempDir('report-queue-');
    const r = record(dir);
    writeFileSync(
      r.pseudo.queue,
      'rank,image,disagreement,entropy,corrected\n1,"case 7, left",0.25000,0.50000,1\n',
    );
    const html = renderTransferReport(r, new Date(0));
    expect(html).toContain(
      '<tr><td>1</td><td>case 7, left</td><td>0.25000</td><td>0.50000</td><td>yes</td></tr>',
    );
    cleanup();
  });

  it('writes metrics.json, metrics.csv and report.html', () => {
    const { dir } = tempDir('report-');
    const files = writeTransferReport(record(dir));
    for (const f of Object.values(files)) expect(existsSync(f)).toBe(true);
    const json = JSON.parse(readFileSync(files.json, 'utf8')) as { test: { dice: number }[] };
    expect(json.test.map((t) => t.dice)).toEqual([0.6, 0.7, 0.9]);
  });

  it('says where each teacher ran, in the HTML and metrics.json (nothing for a run that did not record it)', () => {
    const t = tempDir();
    try {
      const r = record(t.dir);
      expect(renderTransferReport(r, new Date(0))).not.toContain('ran on');
      r.teacherProviders = { 'unet-busi': 'webgpu', '<masks>': 'none' };
      const html = renderTransferReport(r, new Date(0));
      expect(html).toContain('<li>Teachers ran on: unet-busi: webgpu, &#60;masks&#62;: none</li>');
      const files = writeTransferReport(r);
      const json = JSON.parse(readFileSync(files.json, 'utf8')) as { teacherProviders: unknown };
      expect(json.teacherProviders).toEqual(r.teacherProviders);
    } finally {
      t.cleanup();
    }
  });

  it('says which fusion ran and why, in the HTML and metrics.json', () => {
    const t = tempDir();
    try {
      const r = record(t.dir);
      r.pseudo.fusion = {
        method: 'auto',
        ttaViews: ['identity', 'flip'],
        teachers: [
          { name: 'a<1>', weight: 0.625, agreement: 0.5 },
          { name: 'b', weight: 0.375, agreement: 0.3 },
        ],
        weightsFrom: 'this-set',
        images: 2,
        threshold: { perImage: true, median: 0.3, min: 0.2, max: 0.4 },
        emptyImages: 1,
        why: 'Automatic <fusion> because',
      };
      const html = renderTransferReport(r, new Date(0));
      expect(html).toContain('<h2>Fusion: auto</h2>');
      expect(html).toContain('Automatic &#60;fusion&#62; because');
      expect(html).toContain('<tr><td>a&#60;1&#62;</td><td>0.625</td><td>0.500</td></tr>');
      expect(html).toContain('per image: median 0.300, min 0.200, max 0.400; 1 judged empty');
      expect(html).toContain('identity, flip');
      const files = writeTransferReport(r, new Date(0));
      const json = JSON.parse(readFileSync(files.json, 'utf8')) as { fusion: unknown };
      expect(json.fusion).toEqual(r.pseudo.fusion);
      // A run recorded before fusion was reported has no section and a null field.
      delete r.pseudo.fusion;
      expect(renderTransferReport(r, new Date(0))).not.toContain('<h2>Fusion');
      const old = JSON.parse(readFileSync(writeTransferReport(r).json, 'utf8')) as { fusion: unknown };
      expect(old.fusion).toBeNull();
    } finally {
      t.cleanup();
    }
  });

  it("says the student's input and why, and a steps-sized run's length in steps and epochs", () => {
    const r = record('/o');
    expect(renderTransferReport(r, new Date(0))).toContain('grey input, 2000 steps, batch');
    r.training.epochsRun = 41;
    r.training.channels = {
      channels: 3,
      reason: 'rgb-net takes colour and the transferal images are colour (RGB)',
    };
    const html = renderTransferReport(r, new Date(0));
    expect(html).toContain(
      'colour input (rgb-net takes colour and the transferal images are colour (RGB)), 2000 steps (41 epochs), batch',
    );
    r.spec.student.epochs = 12;
    expect(renderTransferReport(r, new Date(0))).toContain(', 12 epochs, batch');
  });
});
