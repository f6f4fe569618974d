import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ProjectStore } from '../../../electron/store/project-store.js';
import type { EditRecord } from '../../../electron/store/edits.js';
import { APP_VERSION, patternMask, projectWithImage, tempDir } from './helpers.js';
import { maskSeed } from './crash-plan.js';

const CHILD = fileURLToPath(new URL('./crash-child.ts', import.meta.url));
/** The repository root: where `--import tsx` resolves. */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/**
 * A fixed number of kill rounds: nothing here depends on how fast the machine is. Each non-early kill
 * waits for a number of acknowledgements, not for a time, so every round checks acknowledged work.
 */
const ROUNDS = 12;
/** Acks a child must have sent before its kill is armed (1..MAX_ACKS_BEFORE_KILL, drawn per round). */
const MAX_ACKS_BEFORE_KILL = 8;
/** A child that sends nothing for this long is stuck, not slow: killed, and the round fails on its acks. */
const STUCK_MS = 60_000;

interface Ack {
  op: 'edit' | 'undo' | 'redo';
  id: number | null;
  head: number | null;
}

/**
 * Runs one child and SIGKILLs it at a random moment: sometimes while it opens the project, mostly
 * mid-save after `acksBeforeKill` acknowledged ops.
 */
function runAndKill(
  dir: string,
  imageId: number,
  round: number,
  acksBeforeKill: number,
): Promise<{ acks: Ack[]; killedBeforeReady: boolean; early: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, String(imageId), String(round)], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let ready = false;
    let killed = false;
    let armed = false;
    const kill = (): void => {
      if (killed) return;
      killed = true;
      child.kill('SIGKILL');
    };
    const early = Math.random() < 0.2;
    // Early kills land during start-up/open (WAL recovery, lock takeover); the rest once the child has
    // acknowledged `acksBeforeKill` ops, after a random 0-30 ms: inside one of the next saves.
    if (early) setTimeout(kill, 50 + Math.random() * 400);
    let guard = setTimeout(kill, STUCK_MS);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      clearTimeout(guard);
      guard = setTimeout(kill, STUCK_MS);
      if (!ready && out.startsWith('ready\n')) ready = true;
      if (!early && !armed && (out.match(/^ack .*\n/gm)?.length ?? 0) >= acksBeforeKill) {
        armed = true;
        setTimeout(kill, Math.random() * 30);
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      if (signal !== 'SIGKILL') return reject(new Error(`child exited by itself (code ${code}): ${err}`));
      const lines = out.split('\n');
      lines.pop(); // incomplete (or empty) last line
      const acks = lines
        .filter((l) => l.startsWith('ack '))
        .map((l) => {
          const [, op, id, head] = l.split(' ');
          return {
            op: op as Ack['op'],
            id: id === 'none' ? null : Number(id),
            head: head === 'null' ? null : Number(head),
          };
        });
      resolve({ acks, killedBeforeReady: !ready, early });
    });
  });
}

describe('durability under SIGKILL', () => {
  it('every acknowledged edit survives kill -9 at random points, and the project always opens', async () => {
    const { dir, cleanup } = tempDir('apprentice-crash-');
    try {
      const { store, image } = projectWithImage(dir, 128, 160);
      const n = image.rows * image.cols;
      store.close();
      const acked = new Map<number, Ack>(); // log row id -> ack
      let lastLogId = 0;
      let prevHead: number | null = null;
      let earlyKills = 0;
      let unackedCommits = 0;
      for (let round = 1; round <= ROUNDS; round++) {
        const acksBeforeKill = 1 + Math.floor(Math.random() * MAX_ACKS_BEFORE_KILL);
        const { acks, killedBeforeReady, early } = await runAndKill(dir, image.id, round, acksBeforeKill);
        if (killedBeforeReady) earlyKills++;
        // A mid-save kill is armed only after this many acks: fewer means the child got stuck.
        if (!early)
          expect(acks.length, `acks before the kill in round ${round}`).toBeGreaterThanOrEqual(
            acksBeforeKill,
          );
        for (const a of acks) if (a.id !== null) acked.set(a.id, a);

        // The project opens cleanly after every kill.
        const s = ProjectStore.open(dir, { appVersion: APP_VERSION });
        try {
          const log = s.edits.history(image.id, 'corrected');
          const byId = new Map(log.map((e) => [e.id, e]));
          // Every acknowledged op of every round so far is there, as acknowledged.
          for (const [id, a] of acked) expect(byId.get(id)?.op, `acked row ${id}`).toBe(a.op);
          // After the last ack of this round at most one more op committed (the one the kill cut before its ack).
          const ackedUpTo = acks.findLast((a) => a.id !== null)?.id ?? lastLogId;
          const extra = log.filter((e) => e.id > ackedUpTo);
          expect(extra.length, `rows after the last ack in round ${round}`).toBeLessThanOrEqual(1);
          unackedCommits += extra.length;
          // Where the head must be: after the one extra committed op, else after the last acked op
          // (an undo/redo with nothing to do writes no row but still reports the head), else unchanged.
          const expectedHead: number | null =
            extra.length === 1 ? headAfter(extra[0]!) : acks.length > 0 ? acks.at(-1)!.head : prevHead;
          expect(s.edits.state(image.id, 'corrected').headId).toBe(expectedHead);
          // The current mask is byte for byte the one drawn at that edit.
          const current = s.edits.current(image.id, 'corrected');
          if (expectedHead === null) expect(current).toBeNull();
          else
            expect(
              Buffer.from(current!).equals(Buffer.from(patternMask(n, seedOf(byId.get(expectedHead)!)))),
            ).toBe(true);
          // The edits acked in this round hold exactly their masks.
          for (const a of acks)
            if (a.op === 'edit')
              expect(
                Buffer.from(s.edits.maskOf(a.id!)).equals(
                  Buffer.from(patternMask(n, seedOf(byId.get(a.id!)!))),
                ),
              ).toBe(true);
          lastLogId = log.at(-1)?.id ?? 0;
          prevHead = expectedHead;
        } finally {
          s.close();
        }
      }
      const edits = [...acked.values()].filter((a) => a.op === 'edit').length;
      console.log(
        `durability: ${ROUNDS} rounds (${earlyKills} killed during start-up), ` +
          `${acked.size} acked ops (${edits} edits) all present, ${unackedCommits} unacked-but-committed ops`,
      );
    } finally {
      cleanup();
    }
    // The timeout only stops a hung run; no assertion depends on speed.
  }, 600_000);
});

function headAfter(e: EditRecord): number | null {
  return e.op === 'edit' ? e.id : e.targetId;
}

function seedOf(e: EditRecord): number {
  const p = e.params as { round: number; i: number };
  return maskSeed(p.round, p.i);
}
