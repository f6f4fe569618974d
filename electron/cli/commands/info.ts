import { parseArgs } from 'node:util';
import type { CliCommand } from '../command.js';
import { createAppServices } from '../../services/app-services.js';
import { createNullLogger } from '../../services/logger.js';
import { defaultUserDataDir } from '../../services/user-data.js';
import { teacherProviderPlan } from '../../teachers/onnx-providers.js';

export const infoCommand: CliCommand = {
  name: 'info',
  summary: 'Show versions, the compute backend in use and where settings and logs live',
  help: [
    'Usage: apprentice info [--json]',
    '',
    'Prints the application version, Node/tfjs versions, the compute backend that was chosen (and why the',
    'others were not), the user-data folder and the log file.',
    '',
    '  --json   print one JSON object instead of text',
    '',
    'Environment: APPRENTICE_BACKEND=auto|tensorflow|webgpu|native|cpu overrides the backend setting;',
    "APPRENTICE_TEACHER_PROVIDER=auto|cuda|webgpu|cpu the ONNX teachers' execution provider;",
    'APPRENTICE_USER_DATA overrides the user-data folder.',
  ].join('\n'),
  async run(argv, io) {
    const { values } = parseArgs({ args: argv, options: { json: { type: 'boolean' } }, strict: true });
    const services = createAppServices({
      userDataDir: defaultUserDataDir(),
      platform: { shell: 'web' },
      logger: createNullLogger(),
    });
    try {
      const info = await services.api.getAppInfo();
      // What ONNX teachers would run on now (APPRENTICE_TEACHER_PROVIDER, else 'auto'), and why.
      const teachers = await teacherProviderPlan({}).catch((err: Error) => ({
        providers: ['cpu'],
        reason: err.message,
      }));
      const out = { ...info, teacherProviders: teachers, shell: 'cli' };
      if (values.json) {
        io.stdout(JSON.stringify(out));
        return 0;
      }
      io.stdout(`${info.name} ${info.version} on ${info.platform}/${info.arch}, Node ${info.versions.node}`);
      const c = info.compute;
      if (c) {
        io.stdout(`Compute backend: ${c.backend} (requested: ${c.requested}, threads: ${c.threads})`);
        if (c.nativeLibrary) io.stdout(`Native kernels:  ${c.nativeLibrary}`);
        if (c.gpu)
          io.stdout(
            `GPU adapter:     ${c.gpu.description || c.gpu.device} (vendor ${c.gpu.vendor || '?'}, architecture ${c.gpu.architecture || '?'})${c.gpu.software ? ': a software rasteriser' : ''}`,
          );
        for (const cand of c.candidates) {
          io.stdout(`  ${cand.available ? '+' : '-'} ${cand.name}${cand.reason ? `: ${cand.reason}` : ''}`);
        }
        if (c.notice) io.stdout(`Notice: ${c.notice}`);
        io.stdout(`ONNX teachers:   ${teachers.providers.join(' then ')} (${teachers.reason})`);
      } else {
        io.stdout('Compute backend: unavailable (the engine failed to start; see the log)');
      }
      io.stdout(`User data: ${info.userDataDir}`);
      return 0;
    } finally {
      await services.dispose();
    }
  },
};
