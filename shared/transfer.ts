/**
 * The run spec of a knowledge transfer (`apprentice transfer --spec run.yaml`, the Transfer screen) and
 * the summary a finished run reports. One schema for the file, the flags and the UI, so all three accept
 * exactly the same runs; paths in a spec file are relative to the file.
 */
import { z } from 'zod';
import type { FusionReport } from './fusion-report.js';
import { FINETUNE, RECIPE } from './recipe.js';
import { fusionSchema, postSchema, recipeFields } from './recipe-schema.js';

const path = z
  .string()
  .min(1, 'path is empty')
  .max(4096, 'path is too long')
  .refine((s) => !s.includes('\0'), 'path contains a NUL byte');

const labeledSet = z
  .object({
    /** Images (PNG/JPEG/TIFF/DICOM/NIfTI first slice), paired with masks by file-name stem. */
    images: path,
    /** Masks: 0 = background, anything else = foreground. */
    masks: path,
  })
  .strict();

export const transferSpecSchema = z
  .object({
    /** The student's name (model card, report). */
    name: z
      .string()
      .trim()
      .min(1)
      .max(120)
      .regex(/^[\w.+-]+$/, 'name: letters, digits, . _ + - only')
      .default('student'),
    /** Teacher cards (NAME.json of any kind: ONNX, TF.js, mask folder, an exported student). */
    teachers: z.array(path).min(1, 'at least one teacher is needed').max(16),
    transferal: z
      .object({
        /** The unlabeled images the teachers pseudo-label and the student learns from. */
        images: path,
        /** Optional corrected masks (e.g. `apprentice export-masks` after review): they replace the fused label of their image. */
        corrections: path.optional(),
      })
      .strict(),
    fusion: fusionSchema.prefault({}),
    post: postSchema.prefault({}),
    student: z
      .object({
        /** A zoo preset: unet, unet-tiny, attention-unet, residual-unet, unet++, deeplabv3+, ... */
        arch: z.string().min(1).max(64).default('unet'),
        size: recipeFields.size.default(RECIPE.size.default),
        width: recipeFields.width.optional(),
        depth: recipeFields.depth.optional(),
        /** Input channels; unset: 3 when any teacher takes colour and the transferal images are colour, else 1. */
        channels: recipeFields.channels.optional(),
        /** Training length in optimizer steps (rounded up to whole epochs); `epochs` replaces it when set. */
        steps: recipeFields.steps.default(RECIPE.steps.default),
        epochs: recipeFields.epochs.optional(),
        batchSize: recipeFields.batchSize.default(RECIPE.batchSize.default),
        learningRate: recipeFields.learningRate.default(RECIPE.learningRate.default),
        /** Epochs without a better validation Dice before stopping (0 = never). */
        patience: recipeFields.patience.default(RECIPE.patience.default),
        /** Fraction of transferal cases held out to validate on (their pseudo-labels, not truth). */
        valFraction: recipeFields.valFraction.default(RECIPE.valFraction.default),
        augment: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    /** Optional fine-tuning of the transferred student on a few labeled images. */
    finetune: labeledSet
      .extend({
        epochs: recipeFields.finetuneEpochs.default(FINETUNE.epochs.default),
        learningRate: recipeFields.finetuneLearningRate.default(FINETUNE.learningRate.default),
        freezeEncoder: z.boolean().default(false),
        valFraction: recipeFields.valFraction.default(RECIPE.valFraction.default),
      })
      .strict()
      .optional(),
    /** Optional labeled test set: teachers, fused label and student are scored on it. */
    test: labeledSet.optional(),
    /** Regex on the file name whose first group is the case/patient id (a case never straddles a split). */
    caseRegex: z.string().max(500).optional(),
    /** Seeds the split, initialisation, shuffling and augmentation: same seed, same numbers. */
    seed: recipeFields.seed.default(RECIPE.seed.default),
    /** Output folder: pseudo-labels, student, metrics, report (and the run's state, for resuming). */
    out: path,
  })
  .strict();

/** A spec as written (defaults optional). */
export type TransferSpecInput = z.input<typeof transferSpecSchema>;
/** A spec with every default filled in. */
export type TransferSpec = z.output<typeof transferSpecSchema>;

export const TRANSFER_STAGES = ['pseudo-label', 'train', 'finetune', 'evaluate', 'export', 'report'] as const;
export type TransferStage = (typeof TRANSFER_STAGES)[number];

/**
 * The detail of the error that refuses an output folder holding an earlier run the new one cannot
 * continue: another spec's run with finished stages, or a damaged ledger. The Transfer screen offers
 * the choices from it (continue that run from `spec`, start over in the folder, choose another one).
 */
export interface EarlierRunConflict {
  conflict: 'different-spec' | 'damaged-ledger';
  out: string;
  finished: TransferStage[];
  /** The earlier run's spec file (absolute paths), when it is there. */
  spec: string | null;
}

/** The paths of a spec as the Transfer screen has them so far: any may be left out (not checked then). */
export interface TransferPaths {
  teachers?: string[];
  transferal?: { images?: string; corrections?: string };
  finetune?: { images?: string; masks?: string };
  test?: { images?: string; masks?: string };
  out?: string;
}

/** A problem of one field of a spec: `field` as in the spec ("teachers.1"), `label` as a person reads it ("Teacher 2"). */
export interface TransferFieldProblem {
  field: string;
  label: string;
  message: string;
}

/** What the paths of a spec-in-progress are: every problem, and each teacher card's name and kind (null where it has a problem). */
export interface TransferPathsCheck {
  problems: TransferFieldProblem[];
  teachers: ({ name: string; kind: string } | null)[];
}

/** Test-set scores of one source (a teacher, the fused label, a student). */
export interface SourceScore {
  source: string;
  kind: 'teacher' | 'fused' | 'student';
  n: number;
  dice: number;
  iou: number;
  hd95Px: number | null;
}

export interface TransferSummary {
  name: string;
  out: string;
  seed: number;
  teachers: string[];
  transferal: { images: number; labeled: number; corrected: number; failed: number };
  /** Null without a test set. */
  test: { images: number; scores: SourceScore[] } | null;
  training: {
    epochs: number;
    bestEpoch: number;
    bestValDice: number;
    seconds: number;
    /** The student's input channels, and why (set in the spec, or what the teachers and images have). */
    channels: 1 | 3;
    channelsReason: string;
  };
  finetune: { epochs: number; bestEpoch: number; bestValDice: number; seconds: number } | null;
  /** The exported student: TF.js, ONNX and its card. */
  export: { dir: string; card: string; onnx: string } | null;
  report: { html: string; json: string; csv: string };
  /**
   * Which fusion made the pseudo-labels and why (method, TTA views, per-teacher weight and agreement,
   * per-image threshold summary, images judged empty, one sentence); null only for a run continued from a
   * ledger written before fusion was reported.
   */
  fusion: FusionReport | null;
  /** Stages taken from an earlier, interrupted run of the same spec. */
  resumed: TransferStage[];
  seconds: number;
  /**
   * Where each teacher ran in this invocation, by name: 'webgpu', 'cuda', 'cpu' (ONNX), the tfjs backend,
   * 'none' (mask folder). Absent in runs recorded before it was reported.
   */
  teacherProviders?: Record<string, string>;
}

/** A finished transfer run kept in the project that was open when it ran (the Transfer screen lists them). */
export interface TransferRunRecord {
  id: number;
  name: string;
  out: string;
  createdAt: string;
  spec: TransferSpec;
  summary: TransferSummary;
  /** OUT/report.html. */
  report: string;
}
