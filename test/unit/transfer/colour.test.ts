// A colour transfer end to end (issue 17, "the student must see what the teachers see"): real Kvasir-SEG
// frames (RGB) and an exported 3-channel teacher (test/fixtures/kvasir-tiny-teacher, made with
// `apprentice train --channels 3` + `apprentice export`) give a 3-channel student when the spec leaves
// the channels unset, trained for the spec's optimizer steps; `student.channels: 1` still gives a grey one.
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TransferSpecInput, TransferSummary } from '../../../shared/transfer.js';
import { runTransfer } from '../../../electron/transfer/pipeline.js';
import { parseSpec } from '../../../electron/transfer/spec-file.js';
import { REPO_ROOT, SHARED_DIR, tempDir } from '../../helpers/temp.js';

const KVASIR = join(SHARED_DIR, 'data', 'kvasir-seg');
const TEACHER = join(REPO_ROOT, 'test', 'fixtures', 'kvasir-tiny-teacher', 'kvasir-tiny-teacher.json');

let root: string;
let sets: { transferal: string; test: { images: string; masks: string } };

beforeAll(() => {
  root = tempDir('colour-transfer-').dir;
  // The manifest's last twelve frames: eight unlabeled transferal frames, four labeled test frames.
  const frames = readFileSync(join(KVASIR, 'manifest.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(-12)
    .map((l) => l.split(','))
    .map(([, image, mask]) => ({ image: image!, mask: mask! }));
  sets = {
    transferal: join(root, 'transferal'),
    test: { images: join(root, 'test', 'images'), masks: join(root, 'test', 'masks') },
  };
  for (const d of [sets.transferal, sets.test.images, sets.test.masks]) mkdirSync(d, { recursive: true });
  frames.forEach((f, k) => {
    const name = (p: string) => p.split('/').pop()!;
    if (k < 8) {
      copyFileSync(join(KVASIR, f.image), join(sets.transferal, name(f.image)));
      return;
    }
    copyFileSync(join(KVASIR, f.image), join(sets.test.images, name(f.image)));
    copyFileSync(join(KVASIR, f.mask), join(sets.test.masks, name(f.mask)));
  });
});

/** A tiny student sized by steps: 8 frames, a quarter validating, batch 3 -> 2 steps an epoch. */
function spec(out: string, student: TransferSpecInput['student'] = {}): TransferSpecInput {
  return {
    name: 'colour',
    teachers: [TEACHER],
    transferal: { images: sets.transferal },
    student: {
      arch: 'unet-tiny',
      size: 32,
      steps: 5,
      batchSize: 3,
      patience: 0,
      valFraction: 0.25,
      ...student,
    },
    test: sets.test,
    seed: 2,
    out,
  };
}

const run = (s: TransferSpecInput) => runTransfer(parseSpec(s, root));

/** The input channels of the trained student's TF.js model and of its exported card. */
function studentChannelsOf(r: TransferSummary): { model: number; card: number } {
  const model = JSON.parse(readFileSync(join(r.out, 'training', 'model', 'model.json'), 'utf8')) as {
    modelTopology: { config: { layers: { config: { batch_input_shape?: number[] } }[] } };
  };
  const input = model.modelTopology.config.layers.find((l) => l.config.batch_input_shape)!;
  const card = JSON.parse(readFileSync(r.export!.card, 'utf8')) as { input: { channels: number } };
  return { model: input.config.batch_input_shape!.at(-1)!, card: card.input.channels };
}

describe('a colour transfer', () => {
  it('trains a 3-channel student from 3-channel teachers on RGB frames when the spec leaves channels unset', async () => {
    const r = await run(spec(join(root, 'default')));
    expect(r.training.channels).toBe(3);
    expect(r.training.channelsReason).toMatch(/kvasir-tiny-teacher.*colour/);
    expect(studentChannelsOf(r)).toEqual({ model: 3, card: 3 });
    // 5 steps at 2 steps an epoch: three whole epochs, none cut by early stopping (patience 0).
    expect(r.training.epochs).toBe(3);
    expect(r.test!.scores.map((s) => s.kind)).toEqual(['teacher', 'student']);
    for (const s of r.test!.scores) expect(s.n).toBe(4);
  }, 180_000);

  it('trains a grey student when the spec sets student.channels to 1', async () => {
    const r = await run(spec(join(root, 'grey'), { channels: 1, epochs: 1 }));
    expect(r.training.channels).toBe(1);
    expect(r.training.channelsReason).toMatch(/set in the run spec/);
    expect(studentChannelsOf(r)).toEqual({ model: 1, card: 1 });
    // `epochs` replaces the length in steps.
    expect(r.training.epochs).toBe(1);
  }, 180_000);
});
