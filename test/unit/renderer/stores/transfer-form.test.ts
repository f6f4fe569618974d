// The Transfer screen's form: the spec it builds, the spec it shows, the stages and what blocks a start.
import { describe, expect, it } from 'vitest';
import { TRANSFER_STAGES, transferSpecSchema } from '../../../../shared/transfer.js';
import {
  STAGE_ORDER,
  defaultForm,
  formFromSpec,
  formProblems,
  specFromForm,
  stagesOf,
  type TransferForm,
} from '../../../../renderer/src/stores/transfer-form.js';

function filled(): TransferForm {
  const f = defaultForm();
  f.teachers = ['/t/fcn-busi.json', '/t/unet-busi.json'];
  f.weights = [1, 1];
  f.images = ' /data/transferal ';
  f.out = '/runs/one';
  return f;
}

describe('transfer form', () => {
  it('keeps its copy of the stage order equal to the shared one', () => {
    expect(STAGE_ORDER).toEqual(TRANSFER_STAGES);
  });

  it('builds a spec the schema accepts, trimmed, without the optional parts left off', () => {
    const spec = specFromForm(filled());
    expect(transferSpecSchema.safeParse(spec).success).toBe(true);
    expect(spec.transferal).toEqual({ images: '/data/transferal' });
    expect(spec.fusion).toEqual({ method: 'auto', threshold: 0.5 });
    expect(spec).not.toHaveProperty('finetune');
    expect(spec).not.toHaveProperty('test');
    expect(spec.out).toBe('/runs/one');
  });

  it('adds weights only for the weighted mean, one per teacher', () => {
    const f = filled();
    f.method = 'weighted';
    f.weights = [2];
    expect(specFromForm(f).fusion).toEqual({ method: 'weighted', threshold: 0.5, weights: [2, 1] });
  });

  it('keeps what the form has no field for from a loaded spec, and round-trips the rest', () => {
    const loaded = transferSpecSchema.parse({
      ...specFromForm(filled()),
      caseRegex: '^(bus_\\d+)',
      post: { minIslandSize: 20 },
      student: { arch: 'unet-tiny', size: 32, patience: 3 },
      finetune: { images: '/ft/images', masks: '/ft/masks', valFraction: 0.3 },
      test: { images: '/test/images', masks: '/test/masks' },
    });
    const form = formFromSpec(loaded);
    expect(form.finetune.enabled).toBe(true);
    expect(form.test).toEqual({ enabled: true, images: '/test/images', masks: '/test/masks' });
    const again = transferSpecSchema.parse(specFromForm(form, loaded));
    expect(again).toEqual(loaded);

    // Leaving the test set off drops it, however the spec was loaded.
    form.test.enabled = false;
    expect(specFromForm(form, loaded)).not.toHaveProperty('test');
  });

  it('carries channels, training length and test-time augmentation both ways, defaults left unset', () => {
    const d = specFromForm(filled());
    expect(d.student).not.toHaveProperty('channels', expect.anything());
    expect(d.student?.epochs).toBeUndefined();
    expect(d.fusion).not.toHaveProperty('tta');
    const f = filled();
    f.channels = 3;
    f.length = 'epochs';
    f.epochs = 12;
    f.tta = 'off';
    const spec = transferSpecSchema.parse(specFromForm(f));
    expect(spec.student).toMatchObject({ channels: 3, epochs: 12 });
    expect(spec.fusion.tta).toBe(false);
    const back = formFromSpec(spec);
    expect([back.channels, back.length, back.epochs, back.tta]).toEqual([3, 'epochs', 12, 'off']);
    f.length = 'steps';
    f.steps = 500;
    const bySteps = transferSpecSchema.parse(specFromForm(f));
    expect([bySteps.student.steps, bySteps.student.epochs]).toEqual([500, undefined]);
  });

  it('lists the stages the run goes through', () => {
    const f = filled();
    expect(stagesOf(f)).toEqual(['pseudo-label', 'train', 'export', 'report']);
    f.test.enabled = true;
    f.finetune.enabled = true;
    expect(stagesOf(f)).toEqual(['pseudo-label', 'train', 'finetune', 'evaluate', 'export', 'report']);
  });

  it('says what blocks a start, in the order of the form', () => {
    expect(formProblems(defaultForm())).toEqual([
      'Add at least one teacher card',
      'Choose the transferal images folder',
      'Choose the output folder',
    ]);
    expect(formProblems(filled())).toEqual([]);
    const f = filled();
    f.out = 'runs/one';
    f.test.enabled = true;
    f.test.images = '/test/images';
    f.length = 'epochs';
    f.epochs = 0;
    // A relative output folder is the server check's to name, beside its field: not counted here too.
    expect(formProblems(f)).toEqual([
      'The number of epochs must be a whole number from 1 to 10,000',
      'Choose the test masks folder',
    ]);
  });

  it('judges the numbers the run uses, by the limits of the run spec', () => {
    // Sized in steps, the epochs field is not used (the spec leaves it out): only the steps are judged.
    const f = filled();
    f.epochs = 0;
    expect(formProblems(f)).toEqual([]);
    f.steps = NaN; // an empty field
    f.batchSize = 257;
    f.learningRate = 0;
    f.seed = -1;
    expect(formProblems(f)).toEqual([
      'The number of steps must be a whole number from 1 to 10,000,000',
      'The batch size must be a whole number from 1 to 256',
      'The learning rate must be a number above 0 and at most 1',
      'The seed must be a whole number from 0 to 2,147,483,647',
    ]);
    const g = filled();
    g.method = 'weighted';
    g.weights = [1, -0.5];
    g.finetune = { ...g.finetune, enabled: true, images: '/ft/i', masks: '/ft/m', epochs: 2.5 };
    expect(formProblems(g)).toEqual([
      'The weight of teacher 2 must be a number from 0 to 1,000',
      'The number of fine-tuning epochs must be a whole number from 1 to 10,000',
    ]);
    // Whatever the form lets start, the run spec takes.
    expect(transferSpecSchema.safeParse(specFromForm(filled())).success).toBe(true);
  });
});
