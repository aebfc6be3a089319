import { isRecord } from '../objects.js';

/**
 * Go values as the renderer sees them. Helm reads values through JSON, so every number from a values file
 * is a float64 (a plain JS number here); `int` returns a GoInt. They print differently, as in Go: a float64
 * of 1000000 prints as 1e+06 (Helm's well-known pitfall), an int as 1000000.
 */
export class GoInt {
  constructor(readonly v: number) {}
}

export function truthy(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === '' || v === 0) return false;
  if (v instanceof GoInt) return v.v !== 0;
  if (Array.isArray(v)) return v.length > 0;
  if (isRecord(v)) return Object.keys(v).length > 0;
  return true;
}

export function num(v: unknown): number {
  return v instanceof GoInt ? v.v : Number(v);
}

/** fmt's %v. */
export function goString(v: unknown): string {
  if (v === undefined || v === null) return ''; // Helm prints missing values as "" (it replaces "<no value>")
  if (v instanceof GoInt) return String(v.v);
  if (typeof v === 'number') return formatFloat(v);
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(goString).join(' ')}]`;
  if (isRecord(v))
    return `map[${Object.keys(v)
      .sort()
      .map((k) => `${k}:${goString(v[k])}`)
      .join(' ')}]`;
  return String(v);
}

/**
 * fmt's %v of a float64: strconv 'g' with the shortest digits, which switches to exponent form when the
 * decimal exponent is < -4 or >= 6 (so 1000000 prints as 1e+06 and 1234567 as 1.234567e+06).
 */
export function formatFloat(f: number): string {
  if (f === 0) return '0';
  if (!Number.isFinite(f)) return Number.isNaN(f) ? 'NaN' : f > 0 ? '+Inf' : '-Inf';
  const [mant, expStr] = f.toExponential().split('e') as [string, string];
  const exp = Number(expStr);
  if (exp < -4 || exp >= 6) return `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return String(f);
}
