// The transfer preflight loads a teacher's ONNX model before anything runs: a file that merely starts
// like a protobuf (the first-byte check it had) is refused at once, naming the card and the model file.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkTeacherCard, checkTransferPaths } from '../../../electron/transfer/preflight.js';
import { SHARED_DIR, tempDir } from '../../helpers/temp.js';

const t = tempDir('apprentice-preflight-');
afterAll(() => t.cleanup());
const GOOD = join(SHARED_DIR, 'teachers', 'fcn-busi.json');

/** A copy of the fcn-busi card whose model is `bytes` (no checksum: the model is ours). */
function cardWithModel(name: string, bytes: Uint8Array): { card: string; model: string } {
  const model = join(t.dir, `${name}.onnx`);
  writeFileSync(model, bytes);
  const body = JSON.parse(readFileSync(GOOD, 'utf8')) as Record<string, unknown>;
  const card = join(t.dir, `${name}.json`);
  writeFileSync(card, JSON.stringify({ ...body, name, onnx: { file: `${name}.onnx` } }));
  return { card, model };
}

describe('transfer preflight of an ONNX teacher', () => {
  it('accepts a real model', async () => {
    expect(await checkTeacherCard(GOOD)).toEqual({ ok: true, name: 'fcn-busi', kind: 'onnx' });
  });

  it('refuses a file that only starts like an ONNX model, naming the card and the file', async () => {
    // 0x08 is the tag of ModelProto's ir_version field: the old first-byte check let this through.
    const fake = Uint8Array.from([0x08, 0x07, ...Array.from({ length: 200 }, (_, i) => (i * 37) & 0xff)]);
    const { card, model } = cardWithModel('fake', fake);
    const r = await checkTeacherCard(card);
    expect(r.ok).toBe(false);
    const message = (r as { message: string }).message;
    expect(message).toContain(card);
    expect(message).toContain(`its model file ${model} is not an ONNX model`);

    const paths = await checkTransferPaths({ teachers: [GOOD, card] });
    expect(paths.teachers).toEqual([{ name: 'fcn-busi', kind: 'onnx' }, null]);
    expect(paths.problems.map((p) => p.field)).toEqual(['teachers.1']);
  });

  it('refuses a real model whose output does not match its card', async () => {
    const bytes = readFileSync(join(SHARED_DIR, 'teachers', 'fcn-busi.onnx'));
    const { card, model } = cardWithModel('wrong-input', bytes);
    const body = JSON.parse(readFileSync(card, 'utf8')) as { output: Record<string, unknown> };
    writeFileSync(card, JSON.stringify({ ...body, output: { ...body.output, name: 'no_such_output' } }));
    const r = await checkTeacherCard(card);
    expect(r.ok).toBe(false);
    expect((r as { message: string }).message).toContain(model);
    expect((r as { message: string }).message).toMatch(/does not fit the card: .*no output "no_such_output"/);
  });
});
