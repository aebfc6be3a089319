import { fold, type Folded } from './jinja-fold.js';
import { children, identName, node, nodes, type JNode } from './jinja-node.js';

/** Names a template binds itself (set, for, macro, caller args): references to them are not globals. */
export interface Scope {
  bound: Set<string>;
  /** Variables assigned exactly once, to a value the folder can compute. */
  consts: Map<string, Folded>;
}

/** One pre-pass over the tree (bounded by `maxNodes`) collecting bound names and foldable constants. */
export function collectScope(program: JNode, maxNodes: number): Scope {
  const bound = new Set<string>();
  const assigned = new Map<string, number>();
  const consts = new Map<string, Folded>();
  const stack: JNode[] = [program];
  let seen = 0;
  while (stack.length > 0 && seen++ < maxNodes) {
    const n = stack.pop()!;
    if (n.type === 'Set') {
      const name = identName(n.assignee);
      if (name !== undefined) {
        bound.add(name);
        assigned.set(name, (assigned.get(name) ?? 0) + 1);
        const v = fold(node(n.value), consts);
        if (v !== undefined && assigned.get(name) === 1) consts.set(name, v);
        else consts.delete(name);
      }
    } else if (n.type === 'For') {
      for (const name of targetNames(n.loopvar)) bound.add(name);
    } else if (n.type === 'Macro') {
      const name = identName(n.name);
      if (name !== undefined) bound.add(name);
      for (const a of nodes(n.args)) {
        const argName = identName(a) ?? identName(a.key);
        if (argName !== undefined) bound.add(argName);
      }
    } else if (n.type === 'CallStatement') {
      bound.add('caller');
      for (const a of nodes(n.callerArgs)) {
        const argName = identName(a) ?? identName(a.key);
        if (argName !== undefined) bound.add(argName);
      }
    }
    // Visit in source order so an earlier `set` is folded before a later one that uses it.
    stack.push(...children(n).reverse());
  }
  return { bound, consts };
}

function targetNames(v: unknown): string[] {
  const id = identName(v);
  if (id !== undefined) return [id];
  const n = node(v);
  return n?.type === 'TupleLiteral' ? nodes(n.value).flatMap(targetNames) : [];
}
