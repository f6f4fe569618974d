/**
 * Which execution provider an ONNX teacher runs on, and its fall back to the CPU with a notice. The rules
 * are checked on facts given; the fall back on real onnxruntime, by asking for its CUDA provider where
 * that is not installed (it then fails to load, as a broken GPU provider does).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { GpuAdapterInfo } from '../../../shared/compute.js';
import { AppError, ErrorCode } from '../../../shared/errors.js';
import { loadTeacherCard, type TeacherCard } from '../../../electron/teachers/card.js';
import {
  bindingDir,
  chooseTeacherProviders,
  cudaProviderInstalled,
  parseTeacherProvider,
  teacherProviderFromEnv,
  teacherProviderPlan,
  useTeacherProviderSetting,
  withCpuFallback,
  type ProviderFacts,
} from '../../../electron/teachers/onnx-providers.js';
import { openOnnxTeacher } from '../../../electron/teachers/onnx-runner.js';
import type { TeacherImage } from '../../../electron/teachers/preprocess.js';
import { REPO_ROOT, tempDir } from '../../helpers/temp.js';

const gpu = (software: boolean): GpuAdapterInfo => ({
  vendor: software ? 'mesa' : 'nvidia',
  architecture: '',
  device: software ? 'llvmpipe' : 'RTX 4090',
  description: '',
  software,
  maxBufferSize: 1 << 30,
  maxStorageBufferBindingSize: 1 << 27,
});
const facts = (f: Partial<ProviderFacts>): ProviderFacts => ({
  listed: ['cpu', 'webgpu', 'cuda', 'tensorrt'],
  cudaInstalled: false,
  gpu: undefined,
  ...f,
});

describe('the provider asked for', () => {
  it('is auto when APPRENTICE_TEACHER_PROVIDER is unset or empty, else its value in any case', () => {
    expect(teacherProviderFromEnv({})).toBe('auto');
    expect(teacherProviderFromEnv({ APPRENTICE_TEACHER_PROVIDER: ' ' })).toBe('auto');
    expect(teacherProviderFromEnv({ APPRENTICE_TEACHER_PROVIDER: ' WebGPU ' })).toBe('webgpu');
    expect(teacherProviderFromEnv({ APPRENTICE_TEACHER_PROVIDER: 'cuda' })).toBe('cuda');
    // Unset, the setting given stands; set, the variable overrides it.
    expect(teacherProviderFromEnv({}, 'cpu')).toBe('cpu');
    expect(teacherProviderFromEnv({ APPRENTICE_TEACHER_PROVIDER: 'webgpu' }, 'cpu')).toBe('webgpu');
  });

  it('refuses a typo, naming where it came from and what is allowed', () => {
    expect(() => teacherProviderFromEnv({ APPRENTICE_TEACHER_PROVIDER: 'gpu' })).toThrow(
      /Unknown teacher provider "gpu" in APPRENTICE_TEACHER_PROVIDER \(one of auto, cuda, webgpu, cpu\)/,
    );
    expect(() => parseTeacherProvider('dml', 'the setting')).toThrow(AppError);
  });
});

describe('chooseTeacherProviders', () => {
  it('honours an explicit request, even on a software adapter, always with the CPU behind it', () => {
    expect(chooseTeacherProviders('cpu', facts({ gpu: gpu(false) })).providers).toEqual(['cpu']);
    expect(chooseTeacherProviders('webgpu', facts({ gpu: gpu(true) })).providers).toEqual(['webgpu', 'cpu']);
    expect(chooseTeacherProviders('webgpu', facts({})).providers).toEqual(['webgpu', 'cpu']);
    expect(chooseTeacherProviders('cuda', facts({})).providers).toEqual(['cuda', 'cpu']);
  });

  it('auto: CUDA where its provider is installed, before any WebGPU adapter', () => {
    const plan = chooseTeacherProviders('auto', facts({ cudaInstalled: true, gpu: gpu(false) }));
    expect(plan).toEqual({ providers: ['cuda', 'cpu'], reason: "onnxruntime's CUDA provider is installed" });
    // A build that does not list CUDA (macOS, Windows) cannot load it whatever lies on disk.
    const noCuda = facts({ listed: ['cpu', 'webgpu'], cudaInstalled: true, gpu: gpu(false) });
    expect(chooseTeacherProviders('auto', noCuda).providers).toEqual(['webgpu', 'cpu']);
  });

  it('auto: WebGPU on a hardware adapter, naming it', () => {
    const plan = chooseTeacherProviders('auto', facts({ gpu: gpu(false) }));
    expect(plan).toEqual({ providers: ['webgpu', 'cpu'], reason: 'WebGPU on nvidia RTX 4090' });
  });

  it('auto: the CPU on a software adapter, without an adapter, or without a WebGPU provider', () => {
    const soft = chooseTeacherProviders('auto', facts({ gpu: gpu(true) }));
    expect(soft.providers).toEqual(['cpu']);
    expect(soft.reason).toMatch(/mesa llvmpipe\) is a software renderer/);
    expect(chooseTeacherProviders('auto', facts({}))).toEqual({
      providers: ['cpu'],
      reason: 'no WebGPU adapter found',
    });
    // Linux arm64's prebuilt onnxruntime has no WebGPU provider.
    expect(chooseTeacherProviders('auto', facts({ listed: ['cpu'], gpu: gpu(false) }))).toEqual({
      providers: ['cpu'],
      reason: 'this onnxruntime build has no GPU provider',
    });
  });
});

describe('teacherProviderPlan', () => {
  it('takes an explicit provider list as given, once each, with the CPU last', async () => {
    const plan = await teacherProviderPlan({ providers: ['cpu', 'WebGPU', 'webgpu'] });
    expect(plan.providers).toEqual(['webgpu', 'cpu']);
  });

  it('refuses a provider this onnxruntime does not have (onnxruntime itself would drop it silently)', async () => {
    await expect(teacherProviderPlan({ providers: ['coreml-typo'] })).rejects.toThrow(
      /Unknown execution provider "coreml-typo" \(this onnxruntime has: cpu/,
    );
  });

  it('gathers the machine facts only for auto', async () => {
    let asked = 0;
    const probe = async () => (asked++, facts({ gpu: gpu(false) }));
    expect((await teacherProviderPlan({ provider: 'cpu' }, probe)).providers).toEqual(['cpu']);
    expect(asked).toBe(0);
    expect((await teacherProviderPlan({ provider: 'auto' }, probe)).providers).toEqual(['webgpu', 'cpu']);
    expect(asked).toBe(1);
  });

  it("follows the app's setting when neither the options nor APPRENTICE_TEACHER_PROVIDER say, which overrides it", async () => {
    const before = process.env.APPRENTICE_TEACHER_PROVIDER;
    delete process.env.APPRENTICE_TEACHER_PROVIDER;
    try {
      useTeacherProviderSetting('webgpu');
      expect((await teacherProviderPlan({})).providers).toEqual(['webgpu', 'cpu']);
      expect((await teacherProviderPlan({ provider: 'cpu' })).providers).toEqual(['cpu']);
      process.env.APPRENTICE_TEACHER_PROVIDER = 'cpu';
      expect((await teacherProviderPlan({})).providers).toEqual(['cpu']);
    } finally {
      useTeacherProviderSetting('auto');
      if (before === undefined) delete process.env.APPRENTICE_TEACHER_PROVIDER;
      else process.env.APPRENTICE_TEACHER_PROVIDER = before;
    }
  });
});

describe('cudaProviderInstalled', () => {
  it("looks for the CUDA provider and onnxruntime's shared provider bridge beside the binding", () => {
    expect(
      existsSync(
        join(
          bindingDir(),
          process.platform === 'win32' ? 'onnxruntime_binding.node' : 'onnxruntime_binding.node',
        ),
      ),
    ).toBe(true);
    const t = tempDir();
    try {
      const lib = (n: string) => join(t.dir, process.platform === 'win32' ? `${n}.dll` : `lib${n}.so`);
      expect(cudaProviderInstalled(t.dir)).toBe(false);
      writeFileSync(lib('onnxruntime_providers_cuda'), '');
      expect(cudaProviderInstalled(t.dir)).toBe(false);
      writeFileSync(lib('onnxruntime_providers_shared'), '');
      expect(cudaProviderInstalled(t.dir)).toBe(true);
    } finally {
      t.cleanup();
    }
  });
});

describe('withCpuFallback', () => {
  const gpuPlan = { providers: ['webgpu', 'cpu'], reason: 'test' };

  it('opens once on the CPU when the plan has no GPU provider', async () => {
    const calls: string[][] = [];
    const r = await withCpuFallback('t', { providers: ['cpu'], reason: '' }, async (p) => (calls.push(p), 1));
    expect(r).toEqual({ value: 1, provider: 'cpu' });
    expect(calls).toEqual([['cpu']]);
  });

  it('reports the GPU provider when it opens', async () => {
    const r = await withCpuFallback('t', gpuPlan, async (p) => p.join('+'));
    expect(r).toEqual({ value: 'webgpu+cpu', provider: 'webgpu' });
  });

  it('reopens on the CPU alone when the GPU provider fails, saying why', async () => {
    const calls: string[][] = [];
    const r = await withCpuFallback('unet-busi', gpuPlan, async (p) => {
      calls.push(p);
      if (p[0] === 'webgpu') throw new Error('no adapter\nstack...');
      return 'ok';
    });
    expect(calls).toEqual([['webgpu', 'cpu'], ['cpu']]);
    expect(r).toEqual({
      value: 'ok',
      provider: 'cpu',
      notice: 'teacher unet-busi: the webgpu provider failed (no adapter); running on CPU',
    });
  });

  it('throws a card that does not fit its model at once, without a second try', async () => {
    let calls = 0;
    const bad = new AppError(ErrorCode.INVALID_ARGUMENT, 'the card says height 64');
    await expect(
      withCpuFallback('t', gpuPlan, async () => {
        calls++;
        throw bad;
      }),
    ).rejects.toBe(bad);
    expect(calls).toBe(1);
  });

  it('throws the CPU failure when the CPU fails too', async () => {
    await expect(
      withCpuFallback('t', gpuPlan, async (p) => {
        throw new Error(`broken on ${p[0]}`);
      }),
    ).rejects.toThrow('broken on cpu');
  });
});

// A real provider that cannot start: CUDA where its library is not installed. (Where a user installed it,
// the request succeeds and there is nothing to fall back from.)
describe.skipIf(cudaProviderInstalled())(
  'a teacher whose GPU provider cannot start (real onnxruntime)',
  () => {
    const card = loadTeacherCard(
      join(REPO_ROOT, 'test', 'fixtures', 'kvasir-tiny-teacher', 'kvasir-tiny-teacher.json'),
    );
    const images: TeacherImage[] = [0, 1].map((k) => ({
      name: `img${k}`,
      rows: 40,
      cols: 28,
      channels: 3,
      pixels: Uint8Array.from({ length: 40 * 28 * 3 }, (_, i) => (i * (7 + k)) % 251),
    }));
    const opened: { dispose(): Promise<void> }[] = [];
    afterAll(async () => {
      await Promise.all(opened.map((r) => r.dispose()));
    });

    for (const inProcess of [true, false])
      it(`runs on the CPU with a notice (${inProcess ? 'this thread' : 'worker thread'}), giving the CPU's maps`, async () => {
        const told: string[] = [];
        const t = await openOnnxTeacher(card, { provider: 'cuda', inProcess, onNotice: (m) => told.push(m) });
        opened.push(t);
        const cpu = await openOnnxTeacher(card, { provider: 'cpu', inProcess });
        opened.push(cpu);
        expect(t.provider).toBe('cpu');
        expect(cpu.provider).toBe('cpu');
        expect(cpu.notices).toEqual([]);
        expect(told).toHaveLength(1);
        expect(told[0]).toMatch(
          /^teacher kvasir-tiny-teacher: the cuda provider failed \(.*shared library.*\); running on CPU$/,
        );
        expect(t.notices).toEqual(told);
        const [a, b] = [await t.predict(images), await cpu.predict(images)];
        expect(a.every((r) => r.ok)).toBe(true);
        a.forEach((r, k) => expect(r.ok && r.prob).toEqual(b[k]!.ok && b[k]!.prob));
      });

    it('still fails a card that does not fit its model with the contract error', async () => {
      const wrong: TeacherCard = {
        ...card,
        contract: { ...card.contract!, input: { ...card.contract!.input, height: 64 } },
      };
      await expect(openOnnxTeacher(wrong, { provider: 'cuda', inProcess: true })).rejects.toThrow(
        /the card says height 64 \(NCHW\) but the model input "input" is \[/,
      );
    });
  },
);
