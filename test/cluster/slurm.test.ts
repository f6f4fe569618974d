// The Slurm job scripts of build/cluster under a real scheduler: a one-node cluster of our own
// (start-slurm.sh: munged + slurmctld + slurmd), real sbatch/scancel, the product scripts as shipped.
// The test cluster has no GPU and a small machine, so every submission says what a site would say for
// such nodes on the sbatch command line (which overrides the scripts' #SBATCH lines): --gres=none, one
// CPU, a few GB. Against a transfer of the same spec run directly (no scheduler), it checks that
//   a. the transfer job runs to completion and its JSON summary has the direct run's numbers (training
//      is deterministic for a seed: the same losses, validation and test Dice to the last bit);
//   b. a job sent SIGTERM mid-training (scancel --signal=TERM) stops cleanly with its checkpoint, and the
//      resubmitted job continues from it (its first epochs are the stopped job's, as recorded) to the
//      direct run's numbers;
//   c. a job array pseudo-labels one shard per task and a job chained after it (afterok) fuses and trains:
//      the labels equal the direct run's byte for byte, and so do the numbers.
// Needs root, slurm-wlm and munge (`npm run test:cluster`; .ci/run installs them).
import { spawn, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyBusBra } from '../helpers/data.js';
import { REPO_ROOT, SHARED_DIR, tempDir } from '../helpers/temp.js';

const START = join(REPO_ROOT, 'test', 'cluster', 'start-slurm.sh');
const STOP = join(REPO_ROOT, 'test', 'cluster', 'stop-slurm.sh');
const TRANSFER_JOB = join(REPO_ROOT, 'build', 'cluster', 'transfer.slurm');
const SUBMIT_SHARDED = join(REPO_ROOT, 'build', 'cluster', 'submit-sharded.sh');
const CLI = join(REPO_ROOT, 'electron', 'cli', 'apprentice.mjs');
/** What a site with CPU-only nodes this small sets on the command line. */
const SITE = ['--gres=none', '--cpus-per-task=1', '--mem=3G', '--time=00:30:00'];
const SHARDS = 3;

let cluster = '';
let work = '';
let env: NodeJS.ProcessEnv = {};

interface Done {
  status: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], cwd = work): Promise<Done> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { cwd, env });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('error', reject);
    p.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

async function ok(cmd: string, args: string[]): Promise<string> {
  const r = await run(cmd, args);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
  return r.stdout;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Each record of `scontrol show job ID` (one per array task), as key=value. */
async function jobRecords(id: string): Promise<Record<string, string>[]> {
  const text = await ok('scontrol', ['-o', 'show', 'job', id]);
  return text
    .trim()
    .split('\n')
    .map((line) => Object.fromEntries([...line.matchAll(/(\w+)=(\S*)/g)].map((m) => [m[1]!, m[2]!])));
}

/** Waits until the job (every task of an array) has left the queue; returns its records. */
async function finished(id: string, limitMs = 480_000): Promise<Record<string, string>[]> {
  const t0 = Date.now();
  for (;;) {
    const queued = (await ok('squeue', ['-h', '-j', id, '-o', '%i %T'])).trim();
    if (!queued) return jobRecords(id);
    if (Date.now() - t0 > limitMs)
      throw new Error(`job ${id} still queued after ${limitMs / 1000} s:\n${queued}`);
    await sleep(1000);
  }
}

async function until(what: string, test: () => boolean, limitMs = 300_000): Promise<void> {
  const t0 = Date.now();
  while (!test()) {
    if (Date.now() - t0 > limitMs) throw new Error(`gave up waiting for ${what}`);
    await sleep(200);
  }
}

const logOf = (id: string) => {
  const f = join(work, `apprentice-${id}.log`);
  return existsSync(f) ? readFileSync(f, 'utf8') : '(no log)';
};

async function sbatch(args: string[]): Promise<string> {
  return (await ok('sbatch', ['--parsable', ...SITE, ...args])).trim().split(';')[0]!;
}

/** A spec of the transfer every test runs, into its own OUT. */
function spec(name: string): string {
  const file = join(work, `${name}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      name: 'tiny',
      teachers: ['fcn-busi', 'unet-busi'].map((t) => join(SHARED_DIR, 'teachers', `${t}.json`)),
      transferal: { images: join(work, 'transferal') },
      // Long enough (many short epochs) that a signal after the first checkpoint lands mid-training.
      student: { arch: 'unet-tiny', size: 48, epochs: 40, batchSize: 4, patience: 0, valFraction: 0.25 },
      test: { images: join(work, 'test', 'images'), masks: join(work, 'test', 'masks') },
      caseRegex: '^bus_(\\d+)-',
      seed: 3,
      out: join(work, name),
    }),
  );
  return file;
}

type Summary = Record<string, unknown> & { training: Record<string, unknown>; resumed: string[] };

/** The fields two runs of one spec must agree on (times, paths and what was resumed may differ). */
function numbers(s: Summary) {
  return {
    teachers: s.teachers,
    transferal: s.transferal,
    test: s.test,
    dice: s.dice,
    fusion: s.fusion,
    finetune: s.finetune,
    training: { ...s.training, seconds: 0 },
  };
}

/** The training curve of a run in OUT, without its wall-clock times. */
function curve(out: string): unknown[] {
  const t = JSON.parse(readFileSync(join(out, 'training', 'training.json'), 'utf8')) as {
    result: { history: Record<string, unknown>[] };
  };
  return t.result.history.map(({ seconds: _s, ...rest }) => rest);
}

/** Every file of the pseudo-labels (maps, fused, labels, review queue) as bytes, shard manifests aside. */
function labelFiles(out: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name === 'shards') continue;
      if (e.isDirectory()) walk(join(d, e.name), `${rel}${e.name}/`);
      else files.set(`${rel}${e.name}`, readFileSync(join(d, e.name)));
    }
  };
  walk(join(out, 'pseudo-labels'), '');
  return files;
}

const jobSummary = (id: string) =>
  JSON.parse(readFileSync(join(work, `apprentice-${id}.json`), 'utf8')) as Summary;

let direct: Summary;

beforeAll(async () => {
  for (const tool of ['munged', 'slurmctld', 'slurmd', 'sbatch'])
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0)
      throw new Error(`${tool} is missing: apt-get install -y slurm-wlm munge`);
  const started = spawnSync(START, [], { encoding: 'utf8' });
  if (started.status !== 0) throw new Error(`start-slurm.sh failed:\n${started.stderr}`);
  cluster = started.stdout.trim().split('\n').at(-1)!;
  work = tempDir('apprentice-cluster-').dir;
  env = { ...process.env, SLURM_CONF: join(cluster, 'slurm.conf'), APPRENTICE_HOME: REPO_ROOT };

  const all = copyBusBra(join(work, 'all'), 14);
  for (const d of ['transferal', 'test/images', 'test/masks']) mkdirSync(join(work, d), { recursive: true });
  all.names.forEach((n, k) => {
    if (k < 10) copyFileSync(join(all.images, n), join(work, 'transferal', n));
    else {
      copyFileSync(join(all.images, n), join(work, 'test', 'images', n));
      copyFileSync(join(all.masks, n), join(work, 'test', 'masks', n));
    }
  });
  // The reference: the same transfer run directly, no scheduler.
  const out = await ok('node', [CLI, 'transfer', '--spec', spec('direct'), '--json']);
  direct = JSON.parse(out.trim().split('\n').at(-1)!) as Summary;
});

afterAll(() => {
  if (cluster) spawnSync(STOP, [cluster], { stdio: 'inherit' });
  if (work) rmSync(work, { recursive: true, force: true });
});

/** The local addresses of the IPv4 sockets listening on `port` (from /proc/net/tcp: no tool needed). */
function listeners(port: number): string[] {
  const rows = readFileSync('/proc/net/tcp', 'utf8').trim().split('\n').slice(1);
  return rows.flatMap((row) => {
    const [, local, , state] = row.trim().split(/\s+/);
    const [hexIp, hexPort] = local!.split(':');
    // State 0A is LISTEN; the address is little-endian hex.
    if (state !== '0A' || parseInt(hexPort!, 16) !== port) return [];
    return [
      hexIp!
        .match(/../g)!
        .reverse()
        .map((b) => parseInt(b, 16))
        .join('.'),
    ];
  });
}

describe('build/cluster under a real Slurm', () => {
  it('the test cluster listens on the loopback address only, not on every interface', () => {
    const conf = readFileSync(join(cluster, 'slurm.conf'), 'utf8');
    for (const key of ['SlurmctldPort', 'SlurmdPort']) {
      const port = Number(new RegExp(`^${key}=(\\d+)$`, 'm').exec(conf)![1]);
      expect(listeners(port), key).toEqual(['127.0.0.1']);
    }
  });

  it('runs transfer.slurm to completion; its JSON summary has the direct run’s numbers', async () => {
    const id = await sbatch([TRANSFER_JOB, spec('job')]);
    const [job] = await finished(id);
    expect(job!.JobState, logOf(id)).toBe('COMPLETED');
    const s = jobSummary(id);
    expect(s.resumed).toEqual([]);
    expect(numbers(s)).toEqual(numbers(direct));
    expect(curve(join(work, 'job'))).toEqual(curve(join(work, 'direct')));
  });

  it('stops on SIGTERM mid-training; the resubmitted job continues to the uninterrupted numbers', async () => {
    const file = spec('preempted');
    const ckpt = join(work, 'preempted', 'training', 'checkpoints');
    const id = await sbatch([TRANSFER_JOB, file]);
    await until('the first epoch checkpoint', () => existsSync(join(ckpt, 'latest.json')));
    await ok('scancel', ['--signal=TERM', id]);
    const [stopped] = await finished(id);
    const log = logOf(id);
    // Stopped by the signal, not killed: the CLI says so and exits 1, so the job fails.
    expect(stopped!.JobState, log).toBe('FAILED');
    expect(stopped!.ExitCode).toBe('1:0');
    expect(log).toContain('Transfer stopped; run the same spec again to continue');
    const ledger = JSON.parse(readFileSync(join(work, 'preempted', 'transfer-state.json'), 'utf8')) as {
      stages: Record<string, unknown>;
    };
    expect(Object.keys(ledger.stages)).toEqual(['pseudo-label']);
    const latest = JSON.parse(readFileSync(join(ckpt, 'latest.json'), 'utf8')) as {
      dir: string;
      epoch: number;
    };
    expect(latest.epoch).toBeGreaterThanOrEqual(1);
    expect(latest.epoch).toBeLessThan(40);
    const kept = JSON.parse(readFileSync(join(ckpt, latest.dir, 'state.json'), 'utf8')) as {
      state: { history: unknown[] };
    };

    const again = await sbatch([TRANSFER_JOB, file]);
    const [resumed] = await finished(again);
    expect(resumed!.JobState, logOf(again)).toBe('COMPLETED');
    const s = jobSummary(again);
    expect(s.resumed).toEqual(['pseudo-label']);
    expect(numbers(s)).toEqual(numbers(direct));
    // Continued from the checkpoint, not started over: the first epochs are the stopped job's own,
    // wall-clock times included.
    const history = (
      JSON.parse(readFileSync(join(work, 'preempted', 'training', 'training.json'), 'utf8')) as {
        result: { history: unknown[] };
      }
    ).result.history;
    expect(history.slice(0, latest.epoch)).toEqual(kept.state.history);
    expect(curve(join(work, 'preempted'))).toEqual(curve(join(work, 'direct')));
  });

  it(`pseudo-labels in a job array of ${SHARDS} shards, then fuses and trains after it: the direct run’s labels and numbers`, async () => {
    const file = spec('sharded');
    const ids = (await ok(SUBMIT_SHARDED, [file, String(SHARDS), ...SITE])).trim().split(/\s+/);
    expect(ids).toHaveLength(2);
    const [arrayId, finalId] = ids as [string, string];
    const tasks = await finished(arrayId);
    expect(tasks.map((t) => t.ArrayTaskId).sort()).toEqual(['1', '2', '3']);
    for (const t of tasks) expect(t.JobState, logOf(`${arrayId}_${t.ArrayTaskId}`)).toBe('COMPLETED');
    const manifests = readdirSync(join(work, 'sharded', 'pseudo-labels', 'shards')).sort();
    expect(manifests).toEqual(['1-of-3.json', '2-of-3.json', '3-of-3.json']);

    const [final] = await finished(finalId);
    expect(final!.JobState, logOf(finalId)).toBe('COMPLETED');
    const a = labelFiles(join(work, 'direct'));
    const b = labelFiles(join(work, 'sharded'));
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    for (const [k, bytes] of a) expect(b.get(k)!.equals(bytes), k).toBe(true);
    const s = jobSummary(finalId);
    expect(s.resumed).toEqual(['pseudo-label']);
    expect(numbers(s)).toEqual(numbers(direct));
    expect(curve(join(work, 'sharded'))).toEqual(curve(join(work, 'direct')));
  });
});
