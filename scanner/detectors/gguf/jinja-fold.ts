import { filterParts, identName, node, nodes, type JNode } from './jinja-node.js';

/** A value the folder could compute without rendering: only strings, numbers and lists of them. */
export type Folded = string | number | Folded[];

/** Longest string the folder builds (bounds `'_' * 10**9` style expressions). */
export const MAX_FOLD_STRING = 4096;
/** Deepest expression nesting folded; deeper is "unknown". */
export const MAX_FOLD_DEPTH = 64;

/**
 * Statically evaluates the string-building parts of a template expression — literals, `~`/`+`/`*`, and the
 * filters and methods used to disguise names (join, format, replace, lower, upper, reverse, string, list,
 * first, last, trim) — so an attribute name assembled at render time is seen as the name it becomes.
 * Nothing is rendered or executed: unknown inputs (variables) fold to undefined. `consts` holds variables
 * set once to a foldable value. Hand-written because the Jinja library only renders (which we must not do).
 */
export function fold(
  n: JNode | undefined,
  consts: ReadonlyMap<string, Folded>,
  depth = 0,
): Folded | undefined {
  if (!n || depth > MAX_FOLD_DEPTH) return undefined;
  const d = depth + 1;
  switch (n.type) {
    case 'StringLiteral':
      return typeof n.value === 'string' ? n.value : undefined;
    case 'IntegerLiteral':
    case 'FloatLiteral':
      return typeof n.value === 'number' ? n.value : undefined;
    case 'ArrayLiteral':
    case 'TupleLiteral': {
      const out: Folded[] = [];
      for (const e of nodes(n.value)) {
        const v = fold(e, consts, d);
        if (v === undefined) return undefined;
        out.push(v);
      }
      return out;
    }
    case 'Identifier':
      return typeof n.value === 'string' ? consts.get(n.value) : undefined;
    case 'BinaryExpression':
      return binary(n, consts, d);
    case 'UnaryExpression': {
      const v = fold(node(n.argument), consts, d);
      const op = (n.operator as { value?: string } | undefined)?.value;
      return typeof v === 'number' && op === '-' ? -v : undefined;
    }
    case 'FilterExpression': {
      const { name, args } = filterParts(n.filter);
      return applyFilter(
        name,
        fold(node(n.operand), consts, d),
        args.map((a) => fold(a, consts, d)),
      );
    }
    case 'CallExpression': {
      const callee = node(n.callee);
      if (callee?.type !== 'MemberExpression' || callee.computed) return undefined;
      const method = identName(callee.property);
      const self = fold(node(callee.object), consts, d);
      return applyMethod(
        method,
        self,
        nodes(n.args).map((a) => fold(a, consts, d)),
      );
    }
    default:
      return undefined;
  }
}

function cap(s: string): string | undefined {
  return s.length <= MAX_FOLD_STRING ? s : undefined;
}

function str(v: Folded): string {
  return Array.isArray(v) ? `[${v.map(str).join(', ')}]` : String(v);
}

function binary(n: JNode, consts: ReadonlyMap<string, Folded>, d: number): Folded | undefined {
  const op = (n.operator as { value?: string } | undefined)?.value;
  const l = fold(node(n.left), consts, d);
  const r = fold(node(n.right), consts, d);
  if (l === undefined || r === undefined) return undefined;
  if (op === '~') return cap(str(l) + str(r));
  if (typeof l === 'string' && typeof r === 'string' && op === '+') return cap(l + r);
  if (Array.isArray(l) && Array.isArray(r) && op === '+')
    return l.length + r.length <= MAX_FOLD_STRING ? [...l, ...r] : undefined;
  if (typeof l === 'string' && typeof r === 'number' && op === '*')
    return r >= 0 && l.length * r <= MAX_FOLD_STRING ? l.repeat(r) : undefined;
  if (typeof l === 'number' && typeof r === 'number') {
    switch (op) {
      case '+':
        return l + r;
      case '-':
        return l - r;
      case '*':
        return l * r;
      case '/':
        return r === 0 ? undefined : l / r;
      case '//':
        return r === 0 ? undefined : Math.floor(l / r);
      case '%':
        return r === 0 ? undefined : l - r * Math.floor(l / r);
    }
  }
  return undefined;
}

function applyFilter(
  name: string | undefined,
  v: Folded | undefined,
  args: (Folded | undefined)[],
): Folded | undefined {
  if (v === undefined || args.some((a) => a === undefined)) return undefined;
  const a = args as Folded[];
  switch (name) {
    case 'join':
      return Array.isArray(v) || typeof v === 'string'
        ? cap((Array.isArray(v) ? v : [...v]).map(str).join(a[0] === undefined ? '' : str(a[0])))
        : undefined;
    case 'format':
      return typeof v === 'string' ? printf(v, a) : undefined;
    case 'replace':
      return typeof v === 'string' && typeof a[0] === 'string' && a[1] !== undefined
        ? cap(v.split(a[0]).join(str(a[1])))
        : undefined;
    case 'lower':
      return typeof v === 'string' ? v.toLowerCase() : undefined;
    case 'upper':
      return typeof v === 'string' ? v.toUpperCase() : undefined;
    case 'reverse':
      return typeof v === 'string'
        ? [...v].reverse().join('')
        : Array.isArray(v)
          ? [...v].reverse()
          : undefined;
    case 'string':
      return str(v);
    case 'trim':
      return typeof v === 'string' ? v.trim() : undefined;
    case 'list':
      return typeof v === 'string' ? [...v] : Array.isArray(v) ? v : undefined;
    case 'first':
      return typeof v === 'string' ? v[0] : Array.isArray(v) ? v[0] : undefined;
    case 'last':
      return typeof v === 'string' ? v[v.length - 1] : Array.isArray(v) ? v[v.length - 1] : undefined;
    default:
      return undefined;
  }
}

function applyMethod(
  method: string | undefined,
  self: Folded | undefined,
  args: (Folded | undefined)[],
): Folded | undefined {
  if (typeof self !== 'string' || args.some((a) => a === undefined)) return undefined;
  const a = args as Folded[];
  switch (method) {
    case 'format': {
      let i = 0;
      return cap(
        self.replace(/\{(\d*)\}/g, (_m, idx: string) => str(a[idx === '' ? i++ : Number(idx)] ?? '')),
      );
    }
    case 'join':
      return Array.isArray(a[0]) || typeof a[0] === 'string'
        ? cap([...(a[0] as Folded[] | string)].map((x) => str(x)).join(self))
        : undefined;
    case 'replace':
      return typeof a[0] === 'string' && a[1] !== undefined
        ? cap(self.split(a[0]).join(str(a[1])))
        : undefined;
    case 'lower':
      return self.toLowerCase();
    case 'upper':
      return self.toUpperCase();
    case 'strip':
      return self.trim();
    default:
      return undefined;
  }
}

/** Python %-formatting for the conversions used to hide characters (%c, %s, %d, %x, %o, %%). */
function printf(fmt: string, args: Folded[]): string | undefined {
  let i = 0;
  let bad = false;
  const out = fmt.replace(/%([%csdirxo])/g, (_m, c: string) => {
    if (c === '%') return '%';
    const v = args[i++];
    if (v === undefined) {
      bad = true;
      return '';
    }
    if (c === 'c')
      return typeof v === 'number' && v >= 0 && v <= 0x10ffff ? String.fromCodePoint(Math.trunc(v)) : str(v);
    if (c === 'x' && typeof v === 'number') return Math.trunc(v).toString(16);
    if (c === 'o' && typeof v === 'number') return Math.trunc(v).toString(8);
    if ((c === 'd' || c === 'i') && typeof v === 'number') return String(Math.trunc(v));
    return str(v);
  });
  return bad ? undefined : cap(out);
}
