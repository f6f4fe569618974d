/**
 * Which onnxruntime execution provider an ONNX teacher runs on, and the fall back to CPU when that
 * provider cannot run it. 'auto' takes onnxruntime's CUDA provider where the user installed it (it is not
 * bundled: `npm install onnxruntime-node --onnxruntime-node-install=cuda12`), else the bundled WebGPU
 * provider where the machine has a hardware GPU adapter, else the CPU. A software adapter (Mesa's lavapipe)
 * is slower than the CPU provider, so 'auto' never takes it; an explicit request does (tests, CI).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import {
  TEACHER_PROVIDER_CHOICES,
  type GpuAdapterInfo,
  type TeacherProviderChoice,
} from '../../shared/compute.js';
import { AppError, ErrorCode } from '../../shared/errors.js';

export { TEACHER_PROVIDER_CHOICES, type TeacherProviderChoice };

/**
 * The app's setting (Settings: "ONNX teachers run on"), told by the services when they start and when it
 * changes; what a teacher asks for when neither its options nor APPRENTICE_TEACHER_PROVIDER say.
 */
let settingChoice: TeacherProviderChoice = 'auto';
export function useTeacherProviderSetting(choice: TeacherProviderChoice): void {
  settingChoice = choice;
}

/** What the choice depends on, gathered by providerFacts() (given directly in tests). */
export interface ProviderFacts {
  /** The execution providers this onnxruntime build lists (bundled or not). */
  listed: readonly string[];
  /** onnxruntime's CUDA provider library is installed beside the binding. */
  cudaInstalled: boolean;
  /** The WebGPU adapter Dawn found (ComputeInfo.gpu), if any. */
  gpu: GpuAdapterInfo | undefined;
}

export interface ProviderPlan {
  /** Execution providers for the session, best first; always ends with 'cpu'. */
  providers: string[];
  /** Why these, for the log and `apprentice info`. */
  reason: string;
}

/**
 * The provider asked for by APPRENTICE_TEACHER_PROVIDER, which overrides the setting (`fallback`, 'auto'
 * unless given) as APPRENTICE_BACKEND overrides the backend setting; throws on a typo.
 */
export function teacherProviderFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  fallback: TeacherProviderChoice = 'auto',
): TeacherProviderChoice {
  const raw = env.APPRENTICE_TEACHER_PROVIDER;
  if (raw === undefined || raw.trim() === '') return fallback;
  return parseTeacherProvider(raw, 'APPRENTICE_TEACHER_PROVIDER');
}

export function parseTeacherProvider(raw: string | undefined, source: string): TeacherProviderChoice {
  const v = (raw ?? 'auto').trim().toLowerCase() || 'auto';
  if ((TEACHER_PROVIDER_CHOICES as readonly string[]).includes(v)) return v as TeacherProviderChoice;
  throw new AppError(
    ErrorCode.INVALID_ARGUMENT,
    `Unknown teacher provider "${raw}" in ${source} (one of ${TEACHER_PROVIDER_CHOICES.join(', ')})`,
    { allowed: [...TEACHER_PROVIDER_CHOICES] },
  );
}

/** The folder holding onnxruntime-node's binding and the provider libraries it loads. */
export function bindingDir(): string {
  const main = createRequire(import.meta.url).resolve('onnxruntime-node');
  return join(dirname(main), '..', 'bin', 'napi-v6', process.platform, process.arch);
}

/** True when onnxruntime's CUDA provider (and the shared provider bridge it needs) sits beside the binding. */
export function cudaProviderInstalled(dir = bindingDir()): boolean {
  const lib = (n: string) => (process.platform === 'win32' ? `${n}.dll` : `lib${n}.so`);
  return (
    existsSync(join(dir, lib('onnxruntime_providers_cuda'))) &&
    existsSync(join(dir, lib('onnxruntime_providers_shared')))
  );
}

/** The rules, on facts given: see the file comment. */
export function chooseTeacherProviders(requested: TeacherProviderChoice, facts: ProviderFacts): ProviderPlan {
  if (requested !== 'auto')
    return {
      providers: requested === 'cpu' ? ['cpu'] : [requested, 'cpu'],
      reason: `${requested} requested`,
    };
  if (facts.cudaInstalled && facts.listed.includes('cuda'))
    return { providers: ['cuda', 'cpu'], reason: "onnxruntime's CUDA provider is installed" };
  if (!facts.listed.includes('webgpu'))
    return { providers: ['cpu'], reason: 'this onnxruntime build has no GPU provider' };
  if (!facts.gpu) return { providers: ['cpu'], reason: 'no WebGPU adapter found' };
  const adapter = [facts.gpu.vendor, facts.gpu.device].filter(Boolean).join(' ') || 'WebGPU adapter';
  if (facts.gpu.software)
    return {
      providers: ['cpu'],
      reason: `the WebGPU adapter (${adapter}) is a software renderer, slower than the CPU provider`,
    };
  return { providers: ['webgpu', 'cpu'], reason: `WebGPU on ${adapter}` };
}

/** The facts on this machine. The GPU adapter is read from the compute engine (initialised if it is not). */
export async function providerFacts(): Promise<ProviderFacts> {
  const listed = ort.listSupportedBackends().map((b) => b.name);
  const cudaInstalled = listed.includes('cuda') && cudaProviderInstalled();
  let gpu: GpuAdapterInfo | undefined;
  if (!cudaInstalled && listed.includes('webgpu')) {
    // Loaded on demand: an explicit choice, or a machine with CUDA, need not start the engine.
    const { getComputeInfo, initCompute } = await import('../engine/backend.js');
    gpu = (getComputeInfo() ?? (await initCompute().catch(() => null)))?.gpu;
  }
  return { listed, cudaInstalled, gpu };
}

/**
 * The providers a teacher's session is created with: an explicit list (CLI --provider) as given with
 * 'cpu' last, else the rules on `requested` (default: APPRENTICE_TEACHER_PROVIDER, else 'auto').
 */
export async function teacherProviderPlan(
  opts: { provider?: TeacherProviderChoice; providers?: string[] },
  facts: () => Promise<ProviderFacts> = providerFacts,
): Promise<ProviderPlan> {
  if (opts.providers?.length) {
    // onnxruntime drops a name it does not know without a word: refused here, so the report is true.
    const listed = ort.listSupportedBackends().map((b) => b.name);
    const list = [...new Set(opts.providers.map((p) => p.trim().toLowerCase()))].filter((p) => p !== 'cpu');
    const unknown = list.find((p) => !listed.includes(p));
    if (unknown !== undefined)
      throw new AppError(
        ErrorCode.INVALID_ARGUMENT,
        `Unknown execution provider "${unknown}" (this onnxruntime has: ${listed.join(', ')})`,
        { provider: unknown, allowed: listed },
      );
    return { providers: [...list, 'cpu'], reason: 'providers given' };
  }
  const requested = opts.provider ?? teacherProviderFromEnv(process.env, settingChoice);
  const known = requested === 'auto' ? await facts() : { listed: [], cudaInstalled: false, gpu: undefined };
  return chooseTeacherProviders(requested, known);
}

/** What a teacher ended up running on. */
export interface ProviderOutcome<T> {
  value: T;
  /** The provider the session runs on: the plan's first, or 'cpu' after a fall back. */
  provider: string;
  /** Set after a fall back: what failed and why, for the user. */
  notice?: string;
}

export function fallbackNotice(teacher: string, provider: string, err: unknown): string {
  // onnxruntime's own words where the error wraps them (the wrapper names the file, known already).
  const e = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  const why = (e instanceof Error ? e.message : String(e)).split('\n')[0]!.trim();
  return `teacher ${teacher}: the ${provider} provider failed (${why}); running on CPU`;
}

const CONTRACT_ERRORS = new Set<string>([ErrorCode.INVALID_ARGUMENT, ErrorCode.UNSUPPORTED]);

/**
 * Opens (and tries) something on the plan's providers; when that fails and the plan had a GPU provider,
 * opens it again on the CPU alone and says why. A failure on the CPU is thrown as it is.
 */
export async function withCpuFallback<T>(
  teacher: string,
  plan: ProviderPlan,
  open: (providers: string[]) => Promise<T>,
): Promise<ProviderOutcome<T>> {
  const first = plan.providers[0]!;
  if (first === 'cpu') return { value: await open(['cpu']), provider: 'cpu' };
  try {
    return { value: await open(plan.providers), provider: first };
  } catch (err) {
    // A card that does not fit its model fails the same on every provider: said once, as it is.
    if (err instanceof AppError && CONTRACT_ERRORS.has(err.code)) throw err;
    return { value: await open(['cpu']), provider: 'cpu', notice: fallbackNotice(teacher, first, err) };
  }
}
