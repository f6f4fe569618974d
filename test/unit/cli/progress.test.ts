// The CLI's job printer: every kind's progress event type-checks and reaches it; a terminal gets a
// redrawn status line through the command's io, logs get a line per validated epoch and transfer stage.
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../../electron/cli/command.js';
import { num, numberList, positiveInt, unitInterval } from '../../../electron/cli/flags.js';
import { jobPrinter } from '../../../electron/cli/progress.js';
import type { JobKind } from '../../../shared/jobs.js';
import { JOB_EVENTS } from '../../helpers/job-events.js';

function recordingIo(isTty: boolean) {
  const out: string[] = [];
  const status: (string | null)[] = [];
  const io: CliIo = {
    stdout: (l) => out.push(l),
    stderr: () => {},
    isTty,
    status: (t) => status.push(t),
  };
  return { io, out, status };
}

describe('CLI job printer', () => {
  it.each(Object.keys(JOB_EVENTS) as JobKind[])('draws a %s job on a terminal through its io', (kind) => {
    const { io, status } = recordingIo(true);
    const printer = jobPrinter(io);
    printer.update(JOB_EVENTS[kind]);
    printer.end();
    expect(status.at(-1)).toBeNull();
    const drawn = status.filter((s): s is string => s !== null);
    if (kind === 'transfer') expect(drawn).toEqual([]);
    else expect(drawn).toEqual([expect.stringContaining('3/10')]);
  });

  it("prints each of a job's notices once on stderr, even under --json (no lines, no bar)", () => {
    const err: string[] = [];
    const { io, out } = recordingIo(false);
    const printer = jobPrinter({ ...io, stderr: (l) => err.push(l) }, { lines: false, bar: false });
    const a = 'teacher unet-busi: the webgpu provider failed (device lost); running on CPU';
    const b = 'teacher fcn-busi: the webgpu provider failed (device lost); running on CPU';
    printer.update(JOB_EVENTS['pseudo-label']);
    printer.update({ ...JOB_EVENTS['pseudo-label'], notices: [a] });
    printer.update({ ...JOB_EVENTS['pseudo-label'], notices: [a] });
    printer.update({ ...JOB_EVENTS.transfer, notices: [a, b] });
    expect(err).toEqual([`apprentice pseudo-label: ${a}`, `apprentice transfer: ${b}`]);
    expect(out).toEqual([]);
  });

  it("prints a training's validated epoch in logs once, from its detail", () => {
    const { io, out, status } = recordingIo(false);
    const printer = jobPrinter(io);
    printer.update(JOB_EVENTS.train);
    printer.update(JOB_EVENTS.train);
    printer.update({
      ...JOB_EVENTS.train,
      detail: { ...JOB_EVENTS.train.detail!, validated: false, epoch: 3 },
    });
    expect(out).toEqual(['epoch 2/5 (validated): loss 0.4321, val Dice 0.8123, IoU 0.7000, 12 ms/step']);
    expect(status).toEqual([]);
    const quiet = recordingIo(false);
    jobPrinter(quiet.io, { lines: false }).update(JOB_EVENTS.finetune);
    expect(quiet.out).toEqual([]);
  });

  it("prints a transfer's stages and validated epochs from its detail", () => {
    const { io, out } = recordingIo(false);
    const printer = jobPrinter(io);
    const t = JOB_EVENTS.transfer;
    const labelling = {
      ...t,
      phase: '1/4 pseudo-label: labelling',
      detail: { stages: t.detail!.stages, stage: 1, activity: 'labelling' },
    };
    printer.update(labelling);
    printer.update({ ...labelling, done: 4 });
    printer.update(t);
    expect(out).toEqual([
      '[1/4 pseudo-label] labelling',
      '[2/4 train] epoch 2/5: loss 0.4321, val Dice 0.8123, 12 ms/step',
    ]);
  });
});

describe('CLI flags', () => {
  it('refuses blank numbers in every parser (Number("") would be 0)', () => {
    expect(() => num(' ', 'epochs', 1)).toThrow(/--epochs must be a number/);
    expect(() => positiveInt('', '--batch')).toThrow(/--batch must be a positive integer/);
    expect(() => unitInterval(' ', '--threshold')).toThrow(/--threshold must be in \[0, 1\)/);
    expect(() => numberList('1,,2', '--weights')).toThrow(/--weights must be a number/);
    expect(numberList('1, 2', '--weights')).toEqual([1, 2]);
    expect(unitInterval('0.5', '--threshold')).toBe(0.5);
    expect(num(undefined, 'epochs', 7)).toBe(7);
  });
});
