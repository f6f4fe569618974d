import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runDemo } from '../../transfer/demo.js';
import type { CliCommand } from '../command.js';
import { num } from '../flags.js';
import { startCompute } from '../run-job.js';
import { transferProgress } from '../../services/transfer-service.js';
import { transferPrinter } from '../progress.js';
import { runWithInterrupt, scoreTable, summaryLine } from './transfer.js';

export const demoCommand: CliCommand = {
  name: 'demo',
  summary: 'The whole method on bundled real images: two teachers, pseudo-labels, a student, scores',
  help: [
    'Usage: apprentice demo [--out DIR] [--seed N] [--fresh] [--json]',
    '',
    'Runs on the HC18 fetal-head ultrasound images bundled in build/demo/hc18 (CC BY 4.0, see its',
    'README): trains two teachers (U-Net, Residual U-Net) on 50 labeled images, exports them as ONNX',
    'cards, lets them pseudo-label 80 unlabeled images, trains an Attention U-Net student on the fused',
    'labels and scores teachers, fused label and student on 41 held-out images. A few minutes on two',
    'cores; the same seed gives the same numbers. Run again to continue an interrupted demo.',
    '',
    '  --out DIR   where everything goes (default ./apprentice-demo); the report is OUT/transfer/report.html',
    '  --seed N    seed of every split, initialisation and augmentation (default 1)',
    '  --fresh     start over, discarding an earlier demo in OUT',
    '  --quick     a much shorter run at 64 px (a smoke test; the numbers mean little)',
    '  --json      print one JSON object as the last line (dice.teachers, dice.fused, dice.student, ...)',
  ].join('\n'),
  async run(argv, io) {
    const { values: v } = parseArgs({
      args: argv,
      options: {
        out: { type: 'string' },
        seed: { type: 'string' },
        fresh: { type: 'boolean' },
        quick: { type: 'boolean' },
        json: { type: 'boolean' },
      },
      strict: true,
    });
    const quiet = v.json === true;
    const out = resolve(v.out ?? 'apprentice-demo');
    const print = transferPrinter(io, { lines: !quiet, bar: !quiet });
    await startCompute(io);
    const t0 = performance.now();
    const r = await runWithInterrupt(io, 'demo', async (signal) => {
      const res = await runDemo({
        out,
        seed: v.seed === undefined ? 1 : num(v.seed, 'seed', 1, { int: true }),
        fresh: v.fresh === true,
        quick: v.quick === true,
        signal,
        onPhase: (line) => quiet || io.stdout(line),
        onProgress: (p) => print(transferProgress(p)),
      });
      return Object.assign(res.transfer, { demoTeachers: res.teachers });
    });
    if (!r) return 1;
    const minutes = (performance.now() - t0) / 60000;
    if (v.json) io.stdout(JSON.stringify({ ...summaryLine(r), minutes }));
    else {
      io.stdout('');
      io.stdout(
        'Apprentice demo: HC18 fetal head, teachers U-Net + Residual U-Net -> student Attention U-Net',
      );
      for (const line of scoreTable(r)) io.stdout(line);
      io.stdout('');
      io.stdout(`Finished in ${minutes.toFixed(1)} min. Report: ${r.report.html}`);
    }
    return 0;
  },
};
