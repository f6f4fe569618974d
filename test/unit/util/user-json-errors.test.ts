// Issue 13.10: a JSON file a user hands us or that a crash may have damaged (teacher card, model.json,
// training record, checkpoint state) is refused with the file, line, column and problem; the message never
// quotes the file's content (Node's JSON.parse error does: the text around the error).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initCompute } from '../../../electron/engine/backend.js';
import { loadCheckpoint } from '../../../electron/students/checkpoint.js';
import { readJson } from '../../../electron/students/outputs.js';
import * as tf from '../../../electron/engine/tf.js';
import { exportStudent } from '../../../electron/students/export/export-student.js';
import { checkTeacherCard } from '../../../electron/teachers/import-folder.js';
import { readLayersModel, writeLayersModel } from '../../../electron/students/export/tfjs-layers.js';
import { RunState, STATE_FILE } from '../../../electron/transfer/run-state.js';
import { parseSpec } from '../../../electron/transfer/spec-file.js';
import { tempDir } from '../../helpers/temp.js';

const SECRET = 'SECRET-4711';
// Line 2 breaks at the unquoted secret (column 11): Node's message quotes the text around it.
const BROKEN = `{\n  "name": ${SECRET}\n}\n`;
const WHERE = /line 2, column 11: expected a value, found 'S'/;

const tmp = tempDir('apprentice-json-errors-');
afterAll(() => tmp.cleanup());
beforeAll(async () => {
  await initCompute();
});

/** A fresh folder holding `name` with the broken text. */
function brokenFile(folder: string, name: string): string {
  const dir = join(tmp.dir, folder);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name);
  writeFileSync(file, BROKEN);
  return file;
}

function tinyModel(): tf.LayersModel {
  return tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [1] })] });
}

/** The error `run` ends with (it must end with one). */
async function failure(run: () => unknown): Promise<Error & { code?: string }> {
  try {
    await run();
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected an error');
}

function expectNamedWithoutContent(err: Error & { code?: string }, file: string): void {
  expect(err.code).toBe('BAD_FILE');
  expect(err.message).toContain(file);
  expect(err.message).toMatch(WHERE);
  expect(err.message).not.toContain('SECRET'); // Node quotes a truncated 'SECRET-471'
}

describe('a broken JSON file is named, never quoted', () => {
  it('teacher card (checkTeacherCard)', async () => {
    const card = brokenFile('card', 'teacher.json');
    expectNamedWithoutContent(await failure(() => checkTeacherCard(card)), card);
  });

  it('TF.js model.json (readLayersModel)', async () => {
    const model = brokenFile('layers', 'model.json');
    expectNamedWithoutContent(await failure(() => readLayersModel(model)), model);
  });

  it('training record (readJson)', async () => {
    const record = brokenFile('record', 'training.json');
    expectNamedWithoutContent(await failure(() => readJson(record, 'training record')), record);
  });

  it('training record of a student being exported (exportStudent)', async () => {
    const record = brokenFile('student', 'training.json');
    await writeLayersModel(join(tmp.dir, 'student', 'model'), tinyModel());
    const err = await failure(() =>
      exportStudent({ student: join(tmp.dir, 'student'), out: join(tmp.dir, 'export'), appVersion: '0' }),
    );
    expectNamedWithoutContent(err, record);
  });

  it('checkpoint pointer and checkpoint state (loadCheckpoint)', async () => {
    const pointer = brokenFile('ckpt-pointer', 'latest.json');
    expectNamedWithoutContent(await failure(() => loadCheckpoint(join(tmp.dir, 'ckpt-pointer'))), pointer);

    const dir = join(tmp.dir, 'ckpt-state');
    await writeLayersModel(join(dir, 'epoch-0001'), tinyModel());
    writeFileSync(join(dir, 'latest.json'), JSON.stringify({ dir: 'epoch-0001', epoch: 1 }));
    const state = brokenFile(join('ckpt-state', 'epoch-0001'), 'state.json');
    expectNamedWithoutContent(await failure(() => loadCheckpoint(dir)), state);
  });

  it('transfer ledger (RunState.open)', async () => {
    const ledger = brokenFile('transfer', STATE_FILE);
    const out = join(tmp.dir, 'transfer');
    const spec = parseSpec({ teachers: ['/t/a.json'], transferal: { images: '/i' }, out }, '/');
    const err = await failure(() => RunState.open(out, spec, false));
    expectNamedWithoutContent(err, ledger);
    expect(err.message).toMatch(/start afresh with --fresh$/);
  });
});
