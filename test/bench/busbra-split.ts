/**
 * The BUS-BRA split of the method benchmarks (bench:transfer, bench:fusion), by patient so no patient is on
 * both sides: 30 % of patients are the test split; the rest is the unlabeled transferal set, of which whole
 * patients adding up to 10 % of its images are also the labeled fine-tuning set. Same seed, same split.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../electron/students/rng.js';

/** Image ids are `bus_<patient>-<side>`: the patient is the case. */
export const BUS_BRA_CASE_REGEX = '^bus_(\\d+)-';

export interface BusBraSplit {
  /** Every image id of the manifest, in manifest order. */
  ids: string[];
  caseOf(id: string): string;
  test: string[];
  transferal: string[];
  /** A subset of `transferal`: the images labeled for fine-tuning or calibration. */
  finetune: string[];
}

export function busBraSplit(busbraDir: string, seed: number): BusBraSplit {
  const ids = readFileSync(join(busbraDir, 'manifest.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(',')[0]!);
  const caseRegex = new RegExp(BUS_BRA_CASE_REGEX);
  const caseOf = (id: string) => caseRegex.exec(id)![1]!;
  const cases = [...new Set(ids.map(caseOf))].sort();
  new Rng(seed).shuffle(cases);
  const testCases = new Set(cases.slice(0, Math.round(cases.length * 0.3)));
  const rest = cases.filter((c) => !testCases.has(c));
  const restImages = ids.filter((id) => !testCases.has(caseOf(id)));
  const ftCases = new Set<string>();
  let ftImages = 0;
  for (const c of rest) {
    if (ftImages >= Math.round(restImages.length * 0.1)) break;
    ftCases.add(c);
    ftImages += ids.filter((id) => caseOf(id) === c).length;
  }
  return {
    ids,
    caseOf,
    test: ids.filter((id) => testCases.has(caseOf(id))),
    transferal: restImages,
    finetune: restImages.filter((id) => ftCases.has(caseOf(id))),
  };
}
