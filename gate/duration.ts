import { CavraError } from '../scanner/errors.js';

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
/** Longest `--max-age` accepted (evidence older than this is never reused). */
export const MAX_AGE_CAP_MS = 90 * 86_400_000;

/** `90s`, `30m`, `24h`, `7d`, or `0` (never reuse) to milliseconds; CavraError USAGE otherwise. */
export function parseDuration(text: string, flag = '--max-age'): number {
  const m = /^(\d{1,7})([smhd])?$/.exec(text.trim());
  if (!m) throw new CavraError('USAGE', `${flag} takes a duration like 90s, 30m, 24h or 7d, got '${text}'`);
  const n = Number(m[1]);
  if (n !== 0 && !m[2]) throw new CavraError('USAGE', `${flag} needs a unit (s, m, h or d), got '${text}'`);
  const ms = n * UNIT_MS[m[2] ?? 's']!;
  if (ms > MAX_AGE_CAP_MS) throw new CavraError('USAGE', `${flag} is at most 90d, got '${text}'`);
  return ms;
}
