/**
 * `apprentice transfer --shard I/N` (pass 1 of the pseudo-labels for shard I of N: one task of a cluster
 * job array) and the first step of `--shards N` (fuse the N shards' maps into the pseudo-labels, before
 * the transfer goes on with training). See electron/transfer/sharded-labels.ts and README "Scaling out".
 */
import { AppError, ErrorCode } from '../../../shared/errors.js';
import type { TransferSpec } from '../../../shared/transfer.js';
import type { PseudoLabelResult } from '../../transfer/pseudo-label.js';
import { fuseShards, labelShard } from '../../transfer/sharded-labels.js';
import { parseShard, parseShardCount, type Shard } from '../../transfer/shards.js';
import type { CliIo } from '../command.js';

export const SHARD_HELP = [
  '  --shard I/N            only the teachers over shard I of N of the transferal images (1 <= I <= N):',
  '                         one task of a job array; writes OUT/pseudo-labels/maps and',
  '                         OUT/pseudo-labels/shards/I-of-N.json, touches nothing else (--json: one line)',
  '  --shards N             the pseudo-labels were made by N --shard runs: fuse them (every shard must be',
  '                         done, with this spec), then train, evaluate and export as usual',
];

export interface ShardFlags {
  shard?: string | undefined;
  shards?: string | undefined;
  project?: string | undefined;
}

/** What the shard flags ask for; contradictions are refused before anything runs. */
export function shardMode(v: ShardFlags): { shard: Shard } | { shards: number } | null {
  if (v.shard !== undefined && v.shards !== undefined)
    throw new AppError(
      ErrorCode.INVALID_ARGUMENT,
      '--shard I/N runs one shard, --shards N fuses all of them and trains: give one or the other',
    );
  if (v.shard !== undefined) {
    if (v.project !== undefined)
      throw new AppError(
        ErrorCode.INVALID_ARGUMENT,
        '--project keeps a finished run: give it to the --shards N run, not to a shard',
      );
    return { shard: parseShard(v.shard) };
  }
  if (v.shards !== undefined) return { shards: parseShardCount(v.shards) };
  return null;
}

/** Progress of a shard's or fusion's images: a redrawn line on a terminal, a line per tenth in logs. */
function progressPrinter(io: CliIo, label: string, quiet: boolean) {
  let lastTenth = -1;
  return (phase: string, done?: number, total?: number) => {
    if (quiet || done === undefined || !total) return;
    const text = `${label}: ${phase} ${done}/${total}`;
    if (io.isTty) return io.status(text);
    const tenth = Math.floor((10 * done) / total);
    if (tenth > lastTenth) {
      lastTenth = tenth;
      io.stdout(text);
    }
  };
}

/** `--shard I/N`: pass 1 of one shard. Returns the exit status (1: stopped, run it again). */
export async function runShard(
  spec: TransferSpec,
  shard: Shard,
  opts: { fresh: boolean; json: boolean },
  io: CliIo,
  run: <T>(work: (signal: AbortSignal) => Promise<T>) => Promise<T | null>,
): Promise<number> {
  const label = `shard ${shard.index}/${shard.count}`;
  const onProgress = progressPrinter(io, label, opts.json);
  const onNotice = (m: string) => io.stderr(`apprentice transfer ${label}: ${m}`);
  const r = await run((signal) =>
    labelShard(spec, shard, { signal, fresh: opts.fresh, onProgress, onNotice }),
  );
  io.status(null);
  if (!r) return 1;
  if (opts.json)
    io.stdout(
      JSON.stringify({
        ...r,
        shard: `${shard.index}/${shard.count}`,
        done: r.manifest === null ? 'earlier' : 'now',
      }),
    );
  else if (r.manifest === null)
    io.stdout(`${label}: the pseudo-labels of this spec in ${spec.out} are done already; nothing to do`);
  else
    io.stdout(
      `${label}: ${r.files} file(s), ${r.images} image(s), ${r.failed} failed, ${r.seconds.toFixed(1)} s; ${r.manifest}`,
    );
  return 0;
}

/** The first step of `--shards N`: the pseudo-labels fused from the shards (or taken from the ledger). */
export async function fuseShardsFirst(
  spec: TransferSpec,
  count: number,
  opts: { fresh: boolean; json: boolean },
  io: CliIo,
  run: <T>(work: (signal: AbortSignal) => Promise<T>) => Promise<T | null>,
): Promise<PseudoLabelResult | null> {
  const onProgress = progressPrinter(io, `${count} shard(s)`, opts.json);
  const r = await run((signal) => fuseShards(spec, count, { signal, fresh: opts.fresh, onProgress }));
  io.status(null);
  if (!r) return null;
  if (!opts.json)
    io.stdout(
      r.resumed
        ? 'Pseudo-labels: done by an earlier run of this spec'
        : `Pseudo-labels: ${r.result.labeled} of ${r.result.images} image(s) fused from ${count} shard(s)`,
    );
  return r.result;
}
