/**
 * The Transfer screen's form and the run spec it stands for. Pure (no store, no API) so that unit tests
 * can check the translation both ways; relative `.js` imports because those tests type-check it as Node
 * code too.
 */
import {
  DEFAULT_FUSION,
  FINETUNE,
  RECIPE,
  type FusionMethod,
  type StudentChannels,
} from '../../../shared/recipe.js';
import type { TransferSpec, TransferSpecInput, TransferStage } from '../../../shared/transfer.js';
import { LIMITS, numberProblem, type NumberLimit } from '../forms/limits.js';

/**
 * shared/transfer.ts's TRANSFER_STAGES, in the order the pipeline runs them. A copy because importing the
 * value would pull zod into the renderer bundle; a unit test keeps the two equal.
 */
export const STAGE_ORDER: readonly TransferStage[] = [
  'pseudo-label',
  'train',
  'finetune',
  'evaluate',
  'export',
  'report',
];

export interface TransferForm {
  name: string;
  /** Teacher cards (absolute paths). */
  teachers: string[];
  /** One weight per teacher, used by the weighted mean only. */
  weights: number[];
  images: string;
  /** Optional corrected masks; empty when none. */
  corrections: string;
  method: FusionMethod;
  threshold: number;
  /** Test-time augmentation of the teachers: 'default' = on for automatic fusion only. */
  tta: 'default' | 'on' | 'off';
  largestComponent: boolean;
  fillHoles: boolean;
  arch: string;
  size: number;
  /** Input channels: 'auto' = colour when the teachers and the transferal images are colour. */
  channels: 'auto' | StudentChannels;
  /** Training length: optimizer steps, or a fixed number of epochs. */
  length: 'steps' | 'epochs';
  steps: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  finetune: {
    enabled: boolean;
    images: string;
    masks: string;
    epochs: number;
    learningRate: number;
    freezeEncoder: boolean;
  };
  test: { enabled: boolean; images: string; masks: string };
  out: string;
  /** Discard an earlier run in the output folder instead of continuing it. */
  fresh: boolean;
}

/** The schema's defaults (shared/transfer.ts), except a name that does not read "student student". */
export function defaultForm(): TransferForm {
  return {
    name: 'student-1',
    teachers: [],
    weights: [],
    images: '',
    corrections: '',
    method: DEFAULT_FUSION.method,
    threshold: DEFAULT_FUSION.threshold,
    tta: 'default',
    largestComponent: false,
    fillHoles: false,
    arch: 'unet',
    size: RECIPE.size.default,
    channels: 'auto',
    length: 'steps',
    steps: RECIPE.steps.default,
    epochs: RECIPE.epochs.default,
    batchSize: RECIPE.batchSize.default,
    learningRate: RECIPE.learningRate.default,
    seed: RECIPE.seed.default,
    finetune: {
      enabled: false,
      images: '',
      masks: '',
      epochs: FINETUNE.epochs.default,
      learningRate: FINETUNE.learningRate.default,
      freezeEncoder: false,
    },
    test: { enabled: false, images: '', masks: '' },
    out: '',
    fresh: false,
  };
}

/**
 * The spec the form describes. `base` is a spec loaded from a file: the settings the form has no field
 * for (case regex, patience, width, ...) are kept from it rather than silently reset to defaults.
 */
export function specFromForm(f: TransferForm, base: TransferSpec | null = null): TransferSpecInput {
  const rest: Partial<TransferSpec> = { ...base };
  delete rest.finetune;
  delete rest.test;
  const corrections = f.corrections.trim();
  return {
    ...rest,
    name: f.name.trim(),
    teachers: f.teachers.map((t) => t.trim()),
    transferal: { images: f.images.trim(), ...(corrections ? { corrections } : {}) },
    fusion: {
      method: f.method,
      threshold: f.threshold,
      ...(f.tta === 'default' ? {} : { tta: f.tta === 'on' }),
      ...(f.method === 'weighted' ? { weights: f.teachers.map((_, k) => f.weights[k] ?? 1) } : {}),
    },
    post: { ...base?.post, largestComponent: f.largestComponent, fillHoles: f.fillHoles },
    student: {
      ...base?.student,
      arch: f.arch,
      size: f.size,
      channels: f.channels === 'auto' ? undefined : f.channels,
      steps: f.steps,
      epochs: f.length === 'epochs' ? f.epochs : undefined,
      batchSize: f.batchSize,
      learningRate: f.learningRate,
    },
    seed: f.seed,
    ...(f.finetune.enabled
      ? {
          finetune: {
            ...base?.finetune,
            images: f.finetune.images.trim(),
            masks: f.finetune.masks.trim(),
            epochs: f.finetune.epochs,
            learningRate: f.finetune.learningRate,
            freezeEncoder: f.finetune.freezeEncoder,
          },
        }
      : {}),
    ...(f.test.enabled ? { test: { images: f.test.images.trim(), masks: f.test.masks.trim() } } : {}),
    out: f.out.trim(),
  };
}

/** A loaded (resolved) spec as the form shows it; `fresh` is a choice of the run, not of the spec. */
export function formFromSpec(s: TransferSpec, fresh = false): TransferForm {
  const d = defaultForm();
  return {
    name: s.name,
    teachers: [...s.teachers],
    weights: s.teachers.map((_, k) => s.fusion.weights?.[k] ?? 1),
    images: s.transferal.images,
    corrections: s.transferal.corrections ?? '',
    method: s.fusion.method,
    threshold: s.fusion.threshold,
    tta: s.fusion.tta === undefined ? 'default' : s.fusion.tta ? 'on' : 'off',
    largestComponent: s.post.largestComponent,
    fillHoles: s.post.fillHoles,
    arch: s.student.arch,
    size: s.student.size,
    channels: s.student.channels ?? 'auto',
    length: s.student.epochs === undefined ? 'steps' : 'epochs',
    steps: s.student.steps,
    epochs: s.student.epochs ?? d.epochs,
    batchSize: s.student.batchSize,
    learningRate: s.student.learningRate,
    seed: s.seed,
    finetune: s.finetune
      ? {
          enabled: true,
          images: s.finetune.images,
          masks: s.finetune.masks,
          epochs: s.finetune.epochs,
          learningRate: s.finetune.learningRate,
          freezeEncoder: s.finetune.freezeEncoder,
        }
      : d.finetune,
    test: s.test ? { enabled: true, ...s.test } : d.test,
    out: s.out,
    fresh,
  };
}

/** The stages a form's run goes through: fine-tuning and evaluation only when their data is given. */
export function stagesOf(f: {
  finetune: Pick<TransferForm['finetune'], 'enabled'>;
  test: Pick<TransferForm['test'], 'enabled'>;
}): TransferStage[] {
  return STAGE_ORDER.filter(
    (s) => (s !== 'finetune' || f.finetune.enabled) && (s !== 'evaluate' || f.test.enabled),
  );
}

/**
 * Why the run cannot start yet, in the order of the form; empty when it can. A path filled in is the
 * server's to judge (checkTransferPaths: relative, missing, of the wrong kind), beside its field: said
 * here as well, it would be counted twice. Numbers are judged as their fields judge them (forms/limits.ts,
 * the run spec's limits), and only those the run uses: the epochs or the steps, whichever sizes it.
 */
export function formProblems(f: TransferForm): string[] {
  const problems: string[] = [];
  const required = (label: string, p: string) => {
    if (!p.trim()) problems.push(`Choose the ${label}`);
  };
  const number = (label: string, v: number, limit: NumberLimit) => {
    const problem = numberProblem(v, limit);
    if (problem) problems.push(`${label} ${problem}`);
  };
  if (!f.teachers.length) problems.push('Add at least one teacher card');
  f.teachers.forEach((t, k) => required(`teacher card ${k + 1}`, t));
  required('transferal images folder', f.images);
  if (!/^[\w.+-]+$/.test(f.name.trim())) problems.push('Name the student with letters, digits, . _ + - only');
  if (!(f.threshold > 0 && f.threshold < 1)) problems.push('The threshold must lie between 0 and 1');
  if (f.method === 'weighted') {
    const k = f.teachers.findIndex((_, k) => numberProblem(f.weights[k] ?? 1, LIMITS.weight) !== null);
    if (k >= 0) number(`The weight of teacher ${k + 1}`, f.weights[k] ?? 1, LIMITS.weight);
  }
  number('The input size', f.size, LIMITS.size);
  if (f.length === 'steps') number('The number of steps', f.steps, LIMITS.steps);
  else number('The number of epochs', f.epochs, LIMITS.epochs);
  number('The batch size', f.batchSize, LIMITS.batchSize);
  number('The learning rate', f.learningRate, LIMITS.learningRate);
  number('The seed', f.seed, LIMITS.seed);
  if (f.finetune.enabled) {
    required('fine-tuning images folder', f.finetune.images);
    required('fine-tuning masks folder', f.finetune.masks);
    number('The number of fine-tuning epochs', f.finetune.epochs, LIMITS.finetuneEpochs);
    number('The fine-tuning learning rate', f.finetune.learningRate, LIMITS.finetuneLearningRate);
  }
  if (f.test.enabled) {
    required('test images folder', f.test.images);
    required('test masks folder', f.test.masks);
  }
  required('output folder', f.out);
  return problems;
}
