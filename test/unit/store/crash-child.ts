// Child process of durability.test.ts: opens the project and saves edits as fast as it can, printing
// "ack ..." after each one is acknowledged, until the parent kills it with SIGKILL.
import { ProjectStore } from '../../../electron/store/project-store.js';
import { APP_VERSION, patternMask } from './helpers.js';
import { maskSeed, pickOp } from './crash-plan.js';

const [dir, imageIdArg, roundArg] = process.argv.slice(2);
const imageId = Number(imageIdArg);
const round = Number(roundArg);
const store = ProjectStore.open(dir!, { appVersion: APP_VERSION });
const img = store.images.get(imageId);
const n = img.rows * img.cols;
process.stdout.write('ready\n');
for (let i = 0; ; i++) {
  const op = pickOp(round, i);
  let rec;
  if (op === 'edit') {
    rec = store.edits.append(imageId, 'corrected', patternMask(n, maskSeed(round, i)), {
      tool: 'brush',
      params: { round, i },
    });
  } else {
    rec = op === 'undo' ? store.edits.undo(imageId, 'corrected') : store.edits.redo(imageId, 'corrected');
  }
  const head = store.edits.state(imageId, 'corrected').headId;
  // One write per line: a kill can cut the line, and the parent ignores an incomplete last line.
  process.stdout.write(`ack ${op} ${rec?.id ?? 'none'} ${head ?? 'null'}\n`);
}
