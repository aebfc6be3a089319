import type { Node, Operand, Pipe } from './ast.js';
import { FUNCS } from './funcs.js';
import { goString, truthy } from './values.js';
import { isRecord } from '../objects.js';

/** Limits so a mistaken recursive `include` fails instead of hanging the test. */
const MAX_INCLUDE_DEPTH = 50;

type Scope = Map<string, unknown>[];

/**
 * Evaluate parsed templates. `defines` holds every `define` of the chart (Helm shares them across files).
 * Missing map keys evaluate to nothing (Helm's missingkey=zero + "<no value>" -> ""); a field of a missing
 * value is an error, as in Helm ("nil pointer evaluating interface {}.x").
 */
export class Evaluator {
  private depth = 0;

  constructor(private readonly defines: Map<string, Node[]>) {}

  render(nodes: Node[], dot: unknown): string {
    return this.nodes(nodes, dot, [new Map([['$', dot]])]);
  }

  private nodes(nodes: Node[], dot: unknown, scope: Scope): string {
    let out = '';
    const local: Scope = [...scope, new Map()];
    for (const n of nodes) out += this.node(n, dot, local);
    return out;
  }

  private node(n: Node, dot: unknown, scope: Scope): string {
    switch (n.t) {
      case 'text':
        return n.s;
      case 'action': {
        const v = this.pipe(n.pipe, dot, scope);
        return n.pipe.decl ? '' : goString(v);
      }
      case 'if': {
        for (const b of n.branches)
          if (truthy(this.pipe(b.cond, dot, scope))) return this.nodes(b.body, dot, scope);
        return n.otherwise ? this.nodes(n.otherwise, dot, scope) : '';
      }
      case 'with': {
        const v = this.pipe({ ...n.pipe, decl: undefined }, dot, scope);
        if (!truthy(v)) return n.otherwise ? this.nodes(n.otherwise, dot, scope) : '';
        return this.nodes(n.body, v, scope);
      }
      case 'range': {
        const v = this.pipe({ ...n.pipe, decl: undefined }, dot, scope);
        const entries: [unknown, unknown][] = Array.isArray(v)
          ? v.map((x, i) => [i, x])
          : isRecord(v)
            ? Object.keys(v)
                .sort()
                .map((k) => [k, v[k]])
            : [];
        if (v !== undefined && v !== null && !Array.isArray(v) && !isRecord(v))
          throw new Error(`range can't iterate over ${goString(v)}`);
        if (entries.length === 0) return n.otherwise ? this.nodes(n.otherwise, dot, scope) : '';
        let out = '';
        for (const [k, x] of entries) {
          const vars = new Map<string, unknown>();
          const decl = n.pipe.decl ?? [];
          if (decl.length === 1) vars.set(decl[0]!, x);
          if (decl.length === 2) vars.set(decl[0]!, k).set(decl[1]!, x);
          out += this.nodes(n.body, x, [...scope, vars]);
        }
        return out;
      }
      case 'template':
        return this.include(n.name, n.pipe ? this.pipe(n.pipe, dot, scope) : undefined);
    }
  }

  include(name: string, data: unknown): string {
    const body = this.defines.get(name);
    if (!body) throw new Error(`template "${name}" not defined`);
    if (++this.depth > MAX_INCLUDE_DEPTH) throw new Error(`include depth over ${MAX_INCLUDE_DEPTH}`);
    try {
      return this.render(body, data);
    } finally {
      this.depth--;
    }
  }

  private pipe(p: Pipe, dot: unknown, scope: Scope): unknown {
    let value: unknown;
    let first = true;
    for (const cmd of p.cmds) {
      const [head, ...rest] = cmd.args;
      const piped = first ? [] : [value];
      if (head!.t === 'ident') value = this.call(head.name, rest, piped, dot, scope);
      else {
        if (rest.length > 0 || !first) throw new Error('only a function can take arguments or a piped value');
        value = this.operand(head!, dot, scope);
      }
      first = false;
    }
    if (p.decl) {
      const name = p.decl[p.decl.length - 1]!;
      const target = p.assign ? [...scope].reverse().find((m) => m.has(name)) : scope[scope.length - 1];
      if (!target) throw new Error(`undefined variable ${name}`);
      target.set(name, value);
    }
    return value;
  }

  private call(name: string, args: Operand[], piped: unknown[], dot: unknown, scope: Scope): unknown {
    const ev = (o: Operand): unknown => this.operand(o, dot, scope);
    if (name === 'and' || name === 'or') {
      const all = [...args.map((a) => () => ev(a)), ...piped.map((v) => () => v)];
      let last: unknown;
      for (const get of all) {
        last = get();
        if (name === 'and' ? !truthy(last) : truthy(last)) return last;
      }
      return last;
    }
    const values = [...args.map(ev), ...piped];
    if (name === 'include') return this.include(goString(values[0]), values[1]);
    const f = FUNCS[name];
    if (!f) throw new Error(`function "${name}" not supported by the test renderer`);
    return f(...values);
  }

  private operand(o: Operand, dot: unknown, scope: Scope): unknown {
    if (o.t === 'lit') return o.value;
    if (o.t === 'pipe') return this.pipe(o.pipe, dot, scope);
    if (o.t === 'ident') return this.call(o.name, [], [], dot, scope);
    let cur: unknown;
    if (o.base === 'dot') cur = dot;
    else {
      const holder = [...scope].reverse().find((m) => m.has(o.base));
      if (!holder) throw new Error(`undefined variable ${o.base}`);
      cur = holder.get(o.base);
    }
    for (const key of o.path) {
      if (cur === undefined || cur === null) throw new Error(`nil pointer evaluating interface {}.${key}`);
      if (!isRecord(cur)) throw new Error(`can't evaluate field ${key} in ${typeof cur}`);
      cur = cur[key];
    }
    return cur;
  }
}
