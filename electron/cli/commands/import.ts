import { existsSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { CliCommand } from '../command.js';
import { AppError, ErrorCode } from '../../../shared/errors.js';
import { oneOf } from '../flags.js';
import { DATASET_ROLES, type DatasetRoleName } from '../../../shared/dto.js';
import type { AppServices } from '../../services/app-services.js';
import { runJob, withServices } from '../run-job.js';

export const importCommand: CliCommand = {
  name: 'import',
  summary: 'Import DICOM/NIfTI/PNG/JPEG/TIFF images (and ground-truth masks) into a project',
  help: [
    'Usage: apprentice import <file-or-folder> --project <dir> [--dataset NAME] [--role ROLE] [--masks DIR] [--json]',
    '',
    'Reads every image under the path (DICOM series are grouped and ordered along the slice normal,',
    'NIfTI volumes become slice stacks) and stores each slice in the project with its source. Files that',
    'cannot be imported are listed with the reason. Importing the same files again skips them.',
    '',
    '  --project DIR   the project folder (created with the app, or with --create)',
    '  --create        create the project folder first if it does not exist',
    '  --dataset NAME  dataset to add to (default: the folder or file name); created when new',
    `  --role ROLE     ${DATASET_ROLES.join(' | ')} (default transferal)`,
    '  --masks DIR     ground-truth masks paired with images by file name (PNG, NIfTI label maps)',
    '  --manifest CSV  per-image case/patient (case, patient_id), pixel size (pixel_size_mm) and split',
    '                  (train|val|test), matched by the id/image/file column; keeps each case in one split',
    '  --json          print one JSON object with the summary as the last line',
    '',
    'Exit status: 0 imported (some files may be skipped), 1 nothing could be imported, 2 bad input.',
  ].join('\n'),
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        project: { type: 'string' },
        create: { type: 'boolean' },
        dataset: { type: 'string' },
        role: { type: 'string' },
        masks: { type: 'string' },
        manifest: { type: 'string' },
        json: { type: 'boolean' },
      },
      strict: true,
    });
    if (positionals.length !== 1)
      throw new AppError(ErrorCode.INVALID_ARGUMENT, 'give exactly one file or folder to import');
    if (!values.project) throw new AppError(ErrorCode.INVALID_ARGUMENT, '--project <dir> is required');
    const role: DatasetRoleName = oneOf(values.role, DATASET_ROLES, 'role', 'transferal');
    const path = resolve(positionals[0]!);
    const projectDir = resolve(values.project);
    return withServices(async (services) => {
      await openOrCreate(services, projectDir, values.create === true);
      const dataset = values.dataset ?? path.split(/[\\/]/).filter(Boolean).at(-1) ?? 'images';
      const summary = await runJob(services, io, () =>
        services.api.importImages({
          path,
          dataset,
          role,
          ...(values.masks ? { masksPath: resolve(values.masks) } : {}),
          ...(values.manifest ? { manifestPath: resolve(values.manifest) } : {}),
        }),
      );
      if (values.json) {
        io.stdout(JSON.stringify({ project: projectDir, ...summary }));
      } else {
        io.stdout(
          `Imported ${summary.imported} slice(s) from ${summary.stacks} image set(s) into dataset "${summary.dataset}"` +
            (summary.duplicates ? `; ${summary.duplicates} already there` : '') +
            (summary.withMasks ? `; ${summary.withMasks} with ground truth` : ''),
        );
        for (const s of summary.skipped) io.stdout(`  skipped: ${s.reason}`);
        for (const w of summary.warnings) io.stdout(`  imported with a warning: ${w.path}: ${w.warning}`);
      }
      return summary.imported + summary.duplicates > 0 ? 0 : 1;
    });
  },
};

async function openOrCreate(services: AppServices, dir: string, create: boolean): Promise<void> {
  if (create && !existsSync(dir)) {
    await services.api.createProject({ parentDir: dirname(dir), name: basename(dir) });
  } else {
    await services.api.openProject({ path: dir });
  }
}
