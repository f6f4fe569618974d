/** A tiny real subset of BUS-BRA (../shared/data/bus-bra) for the student tests, read once per file. */
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';
import {
  loadFolderSamples,
  prepare,
  type Prepared,
  type Sample,
} from '../../../electron/students/dataset.js';

export const BUS_BRA = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../shared/data/bus-bra');
export const TINY_IDS = ['bus_0005-l', 'bus_0005-r', 'bus_0006-s', 'bus_0007-l', 'bus_0007-r', 'bus_0008-l'];

let cached: Promise<Sample[]> | null = null;

export function tinySamples(): Promise<Sample[]> {
  cached ??= loadFolderSamples(`${BUS_BRA}/images`, `${BUS_BRA}/masks`, {
    ids: new Set(TINY_IDS),
    caseRegex: /^(bus_\d+)/,
  }).then((r) => r.samples);
  return cached;
}

export async function tinyData(
  size: number,
  inChannels = 1,
): Promise<{ train: Prepared[]; val: Prepared[] }> {
  const s = await tinySamples();
  return {
    train: prepare(s.slice(0, 4), size, inChannels, 'binary', 1),
    val: prepare(s.slice(4), size, inChannels, 'binary', 1),
  };
}
