/**
 * The input channels of a transfer's student: what the spec says, or else what the teachers and the data
 * have. A student that learns grey images from teachers that saw colour loses what told the teachers apart
 * (polyps on colonoscopy): it gets colour when any teacher takes colour and the transferal images are colour.
 */
import type { TransferSpec } from '../../shared/transfer.js';
import { readImageFile } from '../io/read.js';
import { listFiles } from '../util/files.js';
import type { TeacherRunner } from '../teachers/runner.js';

export interface StudentChannels {
  channels: 1 | 3;
  /** One sentence for the report and the Transfer screen. */
  reason: string;
}

/** Images looked at to tell colour from grey: a transferal set is one modality, a few files settle it. */
const SAMPLE = 8;

async function imagesAreColour(dir: string): Promise<boolean> {
  const files = listFiles(dir).sort().slice(0, SAMPLE);
  for (const file of files) {
    try {
      const stack = await readImageFile(file);
      if (stack.samplesPerPixel === 3) return true;
    } catch {
      // An unreadable file is the pseudo-label stage's to report, with its name; it says nothing of colour.
    }
  }
  return false;
}

export async function studentChannels(
  spec: Pick<TransferSpec, 'student' | 'transferal'>,
  teachers: readonly Pick<TeacherRunner, 'name' | 'inputChannels'>[],
): Promise<StudentChannels> {
  if (spec.student.channels !== undefined)
    return { channels: spec.student.channels, reason: 'set in the run spec (student.channels)' };
  const colour = teachers.filter((t) => t.inputChannels === 3).map((t) => t.name);
  if (colour.length === 0)
    return {
      channels: 1,
      reason: teachers.some((t) => t.inputChannels === 1)
        ? 'the teachers look at grey images'
        : 'no teacher reads images (mask folders), so grey',
    };
  if (!(await imagesAreColour(spec.transferal.images)))
    return {
      channels: 1,
      reason: `${colour.join(', ')} take${colour.length === 1 ? 's' : ''} colour, but the transferal images are grey`,
    };
  return {
    channels: 3,
    reason: `${colour.join(', ')} take${colour.length === 1 ? 's' : ''} colour and the transferal images are colour (RGB)`,
  };
}
