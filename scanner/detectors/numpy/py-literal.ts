/** A Python literal as found in a .npy header: str, int, bool, None, list, tuple or dict. */
export type PyValue = string | bigint | boolean | null | PyValue[] | PyTuple | Map<string, PyValue>;
export interface PyTuple {
  tuple: PyValue[];
}

export function isTuple(v: PyValue): v is PyTuple {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Map);
}

/** Deepest nesting accepted (structured dtypes nest a few levels). */
export const MAX_LITERAL_DEPTH = 32;

export class LiteralError extends Error {}

/**
 * A strict parser for the Python literal subset numpy writes in .npy headers (what `ast.literal_eval` would
 * accept for them). Nothing is evaluated. Hand-written because no JS library parses Python literals, and
 * eval-like approaches are out of the question.
 */
export function parsePyLiteral(src: string): PyValue {
  let i = 0;
  const ws = (): void => {
    while (i < src.length && ' \t\n\r'.includes(src[i]!)) i++;
  };
  const fail = (what: string): never => {
    throw new LiteralError(`${what} at character ${i}`);
  };
  const value = (depth: number): PyValue => {
    if (depth > MAX_LITERAL_DEPTH) fail('nesting too deep');
    ws();
    const c = src[i];
    if (c === '{') return dict(depth);
    if (c === '[') return seq(']', depth);
    if (c === '(') {
      const items = seq(')', depth);
      return { tuple: items };
    }
    if (c === "'" || c === '"') return str();
    if (c !== undefined && /[-+0-9]/.test(c)) return int();
    for (const [word, v] of [
      ['True', true],
      ['False', false],
      ['None', null],
    ] as const) {
      if (src.startsWith(word, i) && !/\w/.test(src[i + word.length] ?? '')) {
        i += word.length;
        return v;
      }
    }
    return fail('unexpected token');
  };
  const seq = (close: string, depth: number): PyValue[] => {
    i++;
    const out: PyValue[] = [];
    for (;;) {
      ws();
      if (src[i] === close) {
        i++;
        return out;
      }
      out.push(value(depth + 1));
      ws();
      if (src[i] === ',') i++;
      else if (src[i] !== close) fail(`expected , or ${close}`);
    }
  };
  const dict = (depth: number): Map<string, PyValue> => {
    i++;
    const out = new Map<string, PyValue>();
    for (;;) {
      ws();
      if (src[i] === '}') {
        i++;
        return out;
      }
      const key = value(depth + 1);
      if (typeof key !== 'string') fail('dict key is not a string');
      if (out.has(key as string)) fail('duplicate dict key');
      ws();
      if (src[i] !== ':') fail('expected :');
      i++;
      out.set(key as string, value(depth + 1));
      ws();
      if (src[i] === ',') i++;
      else if (src[i] !== '}') fail('expected , or }');
    }
  };
  const str = (): string => {
    const q = src[i++]!;
    let out = '';
    while (i < src.length && src[i] !== q) {
      const c = src[i++]!;
      if (c === '\n') fail('newline in string');
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = src[i++];
      const simple: Record<string, string> = {
        '\\': '\\',
        "'": "'",
        '"': '"',
        n: '\n',
        t: '\t',
        r: '\r',
        '0': '\0',
      };
      if (e !== undefined && e in simple) out += simple[e];
      else if (e === 'x' || e === 'u') {
        const n = e === 'x' ? 2 : 4;
        const hex = src.slice(i, i + n);
        if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(hex)) fail('bad escape');
        out += String.fromCharCode(parseInt(hex, 16));
        i += n;
      } else fail('unsupported escape');
    }
    if (src[i] !== q) fail('unterminated string');
    i++;
    return out;
  };
  const int = (): bigint => {
    const m = /^[-+]?\d{1,40}L?/.exec(src.slice(i, i + 42));
    if (!m || /[.eEjJ]/.test(src[i + m[0].length] ?? '')) return fail('expected an integer');
    i += m[0].length;
    return BigInt(m[0].replace(/L$/, '').replace(/^\+/, ''));
  };
  const v = value(0);
  ws();
  if (i !== src.length) fail('trailing characters');
  return v;
}
