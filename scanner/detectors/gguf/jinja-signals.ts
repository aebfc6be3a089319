import { fold } from './jinja-fold.js';
import { filterParts, identName, node, nodes, type JNode } from './jinja-node.js';
import type { Scope } from './jinja-scope.js';

/** A dunder name (`__class__`) anywhere in a string. */
export const DUNDER_TOKEN = /__[A-Za-z][A-Za-z0-9_]*?__/;

export type RuleId =
  | 'JINJA-SSTI-DUNDER'
  | 'JINJA-SSTI-ATTR-FILTER'
  | 'JINJA-SSTI-OBFUSCATED'
  | 'JINJA-SSTI-GADGET'
  | 'JINJA-SSTI-DANGEROUS-NAME'
  | 'JINJA-PRIVATE-ATTR'
  | 'JINJA-DUNDER-TEXT';

/** Names found per rule while walking one template (one finding per rule is reported). */
export class TemplateHits {
  private readonly map = new Map<RuleId, Set<string>>();
  get size(): number {
    return this.map.size;
  }
  add(rule: RuleId, name: string): void {
    let set = this.map.get(rule);
    if (!set) this.map.set(rule, (set = new Set()));
    set.add(name);
  }
  entries(): [RuleId, Set<string>][] {
    return [...this.map.entries()];
  }
}

/** Strings computed from constants: a dunder name anywhere in them, or a `%c` format, is obfuscation. */
export function stringValue(n: JNode, scope: Scope, hits: TemplateHits): void {
  const v = fold(n, scope.consts);
  if (typeof v === 'string') {
    const m = DUNDER_TOKEN.exec(v);
    if (m) hits.add(n.type === 'StringLiteral' ? 'JINJA-SSTI-DUNDER' : 'JINJA-SSTI-OBFUSCATED', m[0]);
    return;
  }
  if (v !== undefined) return;
  if (n.type === 'BinaryExpression') {
    for (const side of [node(n.left), node(n.right)]) {
      if (side?.type === 'StringLiteral' && typeof side.value === 'string' && /^_+$/.test(side.value))
        hits.add('JINJA-SSTI-OBFUSCATED', 'underscore concatenation');
    }
  }
  if (n.type === 'FilterExpression') {
    const { name } = filterParts(n.filter);
    const operand = node(n.operand);
    if (name === 'format' && operand?.type === 'StringLiteral' && String(operand.value).includes('%c'))
      hits.add('JINJA-SSTI-OBFUSCATED', 'format(%c)');
    if (
      name === 'join' &&
      operand?.type === 'ArrayLiteral' &&
      nodes(operand.value).some((e) => e.type === 'StringLiteral' && /^_+$/.test(String(e.value)))
    ) {
      hits.add('JINJA-SSTI-OBFUSCATED', 'underscore join');
    }
  }
}

/** Is this computed item key assembled from pieces (concatenation, join, format, replace) rather than a plain variable? */
export function builtFromPieces(n: JNode): boolean {
  if (n.type === 'BinaryExpression') {
    const op = (n.operator as { value?: string } | undefined)?.value;
    return op === '~' || op === '+' || op === '*';
  }
  if (n.type === 'FilterExpression')
    return ['join', 'format', 'replace', 'reverse', 'lower', 'upper', 'string'].includes(
      filterParts(n.filter).name ?? '',
    );
  if (n.type === 'CallExpression') {
    const callee = node(n.callee);
    return (
      callee?.type === 'MemberExpression' &&
      ['format', 'join', 'replace'].includes(identName(callee.property) ?? '')
    );
  }
  return false;
}

export function dunderOf(s: string): string {
  return (DUNDER_TOKEN.exec(s) ?? [s])[0];
}

export function loopNames(v: unknown): string[] {
  const id = identName(v);
  if (id !== undefined) return [id];
  const n = node(v);
  return n?.type === 'TupleLiteral' ? nodes(n.value).flatMap(loopNames) : [];
}

export function pushNode(stack: JNode[], v: unknown): void {
  const n = node(v);
  if (n) stack.push(n);
}
