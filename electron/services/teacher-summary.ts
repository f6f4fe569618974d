/** A teacher as the UI lists it: name, kind and its contract in one line, read from the stored card. */
import type { TeacherSummary } from '../../shared/dto.js';
import type { Teacher } from '../store/index.js';

function field(o: unknown, key: string): unknown {
  return typeof o === 'object' && o !== null ? (o as Record<string, unknown>)[key] : undefined;
}

export function teacherSummary(t: Teacher): TeacherSummary {
  const input = field(t.card, 'input');
  const output = field(t.card, 'output');
  const dims = ['channels', 'height', 'width']
    .map((k) => field(input, k))
    .filter((v) => typeof v === 'number');
  const parts: string[] = [];
  if (dims.length === 3) {
    const [c, h, w] = dims as number[];
    parts.push(field(input, 'layout') === 'NHWC' ? `N x ${h} x ${w} x ${c}` : `N x ${c} x ${h} x ${w}`);
  }
  const resize = field(input, 'resize');
  if (typeof resize === 'string') parts.push(resize);
  const kind = field(output, 'kind');
  if (typeof kind === 'string') parts.push(kind);
  const arch = field(t.card, 'architecture');
  return {
    id: t.id,
    name: t.name,
    kind: t.kind,
    architecture: typeof arch === 'string' ? arch : null,
    contract: parts.join(', ') || (t.kind === 'masks' ? 'precomputed masks' : 'contract not stated'),
    createdAt: t.createdAt,
  };
}
