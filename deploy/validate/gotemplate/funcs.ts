import { stringify } from 'yaml';
import { isRecord } from '../objects.js';
import { GoInt, goString, num, truthy } from './values.js';

/**
 * The template functions our chart uses, with Go text/template and Helm/sprig semantics (argument order
 * as in Helm: the piped value is the last argument). `include` and `and`/`or` are handled in eval.ts.
 */
export type Func = (...args: unknown[]) => unknown;

function str(v: unknown): string {
  return goString(v);
}

function eq(a: unknown, b: unknown): boolean {
  if ((typeof a === 'number' || a instanceof GoInt) && (typeof b === 'number' || b instanceof GoInt))
    return num(a) === num(b);
  return a === b;
}

function compare(a: unknown, b: unknown): number {
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return num(a) - num(b);
}

/** Helm's toYaml: sigs.k8s.io/yaml output (keys sorted), without the final newline. */
function toYaml(v: unknown): string {
  if (v === undefined || v === null) return 'null';
  const plain = JSON.parse(JSON.stringify(v, (_k, x: unknown) => (x instanceof GoInt ? x.v : x))) as unknown;
  return stringify(plain, { sortMapEntries: true, lineWidth: 0 }).replace(/\n$/, '');
}

function indent(n: unknown, s: unknown): string {
  const pad = ' '.repeat(num(n));
  return pad + str(s).replaceAll('\n', `\n${pad}`);
}

function printf(format: unknown, ...args: unknown[]): string {
  let i = 0;
  return str(format).replace(/%([sdvq%])/g, (_m, verb: string) => {
    if (verb === '%') return '%';
    const a = args[i++];
    if (verb === 'd') return String(Math.trunc(num(a)));
    if (verb === 'q') return JSON.stringify(str(a));
    return str(a);
  });
}

export const FUNCS: Readonly<Record<string, Func>> = {
  default: (d, v) => (truthy(v) ? v : d),
  required: (msg, v) => {
    if (v === undefined || v === null || v === '') throw new Error(`required: ${str(msg)}`);
    return v;
  },
  quote: (...a) => a.map((x) => JSON.stringify(str(x))).join(' '),
  squote: (...a) => a.map((x) => `'${str(x)}'`).join(' '),
  trunc: (n, s) => {
    const k = num(n);
    const t = str(s);
    return k >= 0 ? t.slice(0, k) : t.slice(Math.max(0, t.length + k));
  },
  trimSuffix: (suffix, s) =>
    str(s).endsWith(str(suffix)) ? str(s).slice(0, str(s).length - str(suffix).length) : str(s),
  trimPrefix: (prefix, s) => (str(s).startsWith(str(prefix)) ? str(s).slice(str(prefix).length) : str(s)),
  replace: (from, to, s) => str(s).replaceAll(str(from), str(to)),
  contains: (sub, s) => str(s).includes(str(sub)),
  lower: (s) => str(s).toLowerCase(),
  printf,
  int: (v) => new GoInt(typeof v === 'string' ? Number.parseInt(v, 10) || 0 : Math.trunc(num(v ?? 0))),
  toString: (v: unknown) => str(v),
  toYaml,
  indent,
  nindent: (n, s) => `\n${indent(n, s)}`,
  not: (v) => !truthy(v),
  eq,
  ne: (a, b) => !eq(a, b),
  lt: (a, b) => compare(a, b) < 0,
  le: (a, b) => compare(a, b) <= 0,
  gt: (a, b) => compare(a, b) > 0,
  ge: (a, b) => compare(a, b) >= 0,
  len: (v) =>
    new GoInt(Array.isArray(v) || typeof v === 'string' ? v.length : isRecord(v) ? Object.keys(v).length : 0),
  empty: (v) => !truthy(v),
  concat: (...lists) => lists.flatMap((l) => (Array.isArray(l) ? l : [])),
};
