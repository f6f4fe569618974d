import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { CliCommand } from '../command.js';
import { AppError, ErrorCode } from '../../../shared/errors.js';
import { MASK_EXPORT_FORMATS, MASK_EXPORT_LAYERS } from '../../../shared/dto.js';
import { oneOf } from '../flags.js';
import { runJob, withServices } from '../run-job.js';

export const exportMasksCommand: CliCommand = {
  name: 'export-masks',
  summary: "Write a project's masks as PNG, NIfTI or DICOM SEG files",
  help: [
    'Usage: apprentice export-masks --project <dir> --out <dir> [--format png|nifti|dicom-seg|seg]',
    '                               [--layer reviewed|ground_truth|pseudo_label] [--dataset NAME] [--json]',
    '',
    '  --project DIR   the project folder',
    '  --out DIR       where to write (created if missing)',
    `  --format F      ${MASK_EXPORT_FORMATS.join(' | ')} (default png): PNG per slice (0/255, named after the image),`,
    '                  NIfTI per volume on the source grid, DICOM SEG per DICOM series referencing its images',
    "                  (seg = dicom-seg). A NIfTI has the affine of its source: a NIfTI source's own, a DICOM",
    "                  series' geometry turned from LPS into RAS (as dcm2niix); the SEG references the source",
    '                  instances and frame of reference, one frame per slice with its position. A series that',
    '                  is no regular volume (missing geometry, duplicate positions, gaps) is skipped, named.',
    `  --layer L       ${MASK_EXPORT_LAYERS.join(' | ')} (default reviewed: the correction where there is one,`,
    '                  else the fused pseudo-label)',
    '  --dataset NAME  only this dataset',
    '  --json          print one JSON object with the summary as the last line',
  ].join('\n'),
  async run(argv, io) {
    const { values } = parseArgs({
      args: argv,
      options: {
        project: { type: 'string' },
        out: { type: 'string' },
        format: { type: 'string' },
        layer: { type: 'string' },
        dataset: { type: 'string' },
        json: { type: 'boolean' },
      },
      strict: true,
    });
    if (!values.project || !values.out)
      throw new AppError(ErrorCode.INVALID_ARGUMENT, '--project and --out are required');
    const format = oneOf(
      values.format === 'seg' ? 'dicom-seg' : values.format,
      MASK_EXPORT_FORMATS,
      'format',
      'png',
    );
    const layer = oneOf(values.layer, MASK_EXPORT_LAYERS, 'layer', 'reviewed');
    return withServices(async (services) => {
      await services.api.openProject({ path: resolve(values.project!) });
      let datasetId: number | undefined;
      if (values.dataset) {
        const d = (await services.api.listDatasets()).find((x) => x.name === values.dataset);
        if (!d)
          throw new AppError(ErrorCode.NOT_FOUND, `No dataset named "${values.dataset}" in the project`);
        datasetId = d.id;
      }
      const s = await runJob(services, io, () =>
        services.api.exportMasks({
          outDir: resolve(values.out!),
          format,
          layer,
          ...(datasetId ? { datasetId } : {}),
        }),
      );
      if (values.json) io.stdout(JSON.stringify(s));
      else {
        io.stdout(`Wrote ${s.files.length} file(s) to ${s.outDir}`);
        for (const k of s.skipped) io.stdout(`  skipped ${k.name}: ${k.reason}`);
      }
      return s.files.length > 0 ? 0 : 1;
    });
  },
};
