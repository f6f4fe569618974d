/**
 * Checks a spec's paths before anything runs, so a typo is reported at once (and, from the UI, no job is
 * started) rather than after minutes of pseudo-labelling: the teacher cards are files, the image and mask
 * folders exist, and the output folder, if it exists, is a folder.
 */
import { statSync } from 'node:fs';
import { AppError, ErrorCode } from '../../shared/errors.js';
import type { TransferSpec } from '../../shared/transfer.js';

type Kind = 'file' | 'folder' | 'any';

function check(field: string, path: string, kind: Kind): void {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new AppError(ErrorCode.NOT_FOUND, `${field}: ${path} does not exist`, { field, path });
  }
  if (kind === 'file' && !st.isFile())
    throw new AppError(ErrorCode.INVALID_ARGUMENT, `${field}: ${path} is not a file`, { field, path });
  if (kind === 'folder' && !st.isDirectory())
    throw new AppError(ErrorCode.INVALID_ARGUMENT, `${field}: ${path} is not a folder`, { field, path });
}

export function checkSpecPaths(spec: TransferSpec): void {
  spec.teachers.forEach((t, k) => check(`teachers[${k}]`, t, 'file'));
  // One image file is a transferal set too (runFolder accepts both).
  check('transferal.images', spec.transferal.images, 'any');
  if (spec.transferal.corrections) check('transferal.corrections', spec.transferal.corrections, 'folder');
  if (spec.finetune) {
    check('finetune.images', spec.finetune.images, 'folder');
    check('finetune.masks', spec.finetune.masks, 'folder');
  }
  if (spec.test) {
    check('test.images', spec.test.images, 'folder');
    check('test.masks', spec.test.masks, 'folder');
  }
  let out;
  try {
    out = statSync(spec.out);
  } catch {
    return; // created by the run
  }
  if (!out.isDirectory())
    throw new AppError(ErrorCode.INVALID_ARGUMENT, `out: ${spec.out} is a file, not a folder`, {
      field: 'out',
      path: spec.out,
    });
}
