import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { APP_VERSION } from '../../util/version.js';
import type { CliCommand } from '../command.js';
import { requireFlag } from '../flags.js';
import { importStudentAsTeacher, startExport } from '../../services/student-service.js';
import { runJob, startCompute, withServices } from '../run-job.js';

export const exportCommand: CliCommand = {
  name: 'export',
  summary:
    'Export a trained student as ONNX + TF.js + model card (and import it into a project as a teacher)',
  help: [
    'Usage: apprentice export --student DIR --out DIR [--name NAME] [--project DIR] [--json]',
    '',
    'Writes OUT/NAME.onnx (NCHW, opset 13), OUT/tfjs/ (TF.js layers: model.json + weight shards) and',
    'OUT/NAME.json, a model card in the format of the teacher cards (input/output contract, preprocessing,',
    'training data, teachers, metrics, software versions). The ONNX file is run in onnxruntime against',
    'the TF.js model on random inputs first; the export is refused if they differ by 1e-4 or more.',
    '',
    '  --student DIR   a training output folder (with model/ and training.json) or a model folder',
    '  --out DIR       the export folder (created; files there are replaced atomically)',
    "  --name NAME     file name and card name (default: the student's name)",
    '  --project DIR   also import the exported folder into this project as a teacher',
    '  --json          print one JSON object with the result as the last line',
    '',
    'Exit status: 0 exported, 1 failed, 2 bad input.',
  ].join('\n'),
  async run(argv, io) {
    const { values: v } = parseArgs({
      args: argv,
      options: {
        student: { type: 'string' },
        out: { type: 'string' },
        name: { type: 'string' },
        project: { type: 'string' },
        json: { type: 'boolean' },
      },
      strict: true,
    });
    const student = resolve(requireFlag(v.student, 'student'));
    const out = resolve(requireFlag(v.out, 'out'));
    await startCompute();
    return withServices(async (services) => {
      if (v.project) await services.api.openProject({ path: resolve(v.project) });
      const r = await runJob(services, io, () =>
        startExport(services.jobs, services.projects.current(), {
          student,
          out,
          appVersion: APP_VERSION,
          ...(v.name ? { name: v.name } : {}),
        }),
      );
      const teachers = v.project ? await importStudentAsTeacher(services.projects.require(), out) : [];
      if (v.json) io.stdout(JSON.stringify({ ...r, onnx_max_abs_diff: r.onnxCheck.max_abs_diff, teachers }));
      else {
        io.stdout(`Exported ${r.name} (${r.parameters.toLocaleString('en-US')} parameters) to ${r.out}`);
        io.stdout(
          `  ONNX ${r.onnx}: max |onnx - tfjs| = ${r.onnxCheck.max_abs_diff.toExponential(2)} on ${r.onnxCheck.inputs} random inputs`,
        );
        io.stdout(`  TF.js ${r.tfjs}; card ${r.card}`);
        for (const t of teachers)
          io.stdout(`  imported into the project as teacher "${t.name}" (id ${t.id})`);
      }
      return 0;
    });
  },
};
