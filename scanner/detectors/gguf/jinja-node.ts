/**
 * The slice of @huggingface/jinja's syntax tree the chat-template check reads. Nodes are plain objects with a
 * string `type`; fields are typed loosely on purpose because the tree comes from untrusted template text.
 */
export interface JNode {
  type: string;
  [field: string]: unknown;
}

export function isNode(v: unknown): v is JNode {
  return typeof v === 'object' && v !== null && typeof (v as { type?: unknown }).type === 'string';
}

export function node(v: unknown): JNode | undefined {
  return isNode(v) ? v : undefined;
}

export function nodes(v: unknown): JNode[] {
  return Array.isArray(v) ? v.filter(isNode) : [];
}

/** Name of an Identifier node, else undefined. */
export function identName(v: unknown): string | undefined {
  const n = node(v);
  return n?.type === 'Identifier' && typeof n.value === 'string' ? n.value : undefined;
}

/** Filter name and arguments of a FilterExpression/FilterStatement `filter` field (`x|f` or `x|f(a)`). */
export function filterParts(filter: unknown): { name: string | undefined; args: JNode[] } {
  let f = node(filter);
  // `x|attr('a')(b)` parses as a call of the filter call: the filter is the innermost callee.
  while (f?.type === 'CallExpression' && node(f.callee)?.type === 'CallExpression') f = node(f.callee);
  if (f?.type === 'CallExpression') return { name: identName(f.callee), args: nodes(f.args) };
  return { name: identName(f), args: [] };
}

/** Every child node of `n`, in any field (arrays, Maps of object literals, nested nodes). */
export function children(n: JNode): JNode[] {
  const out: JNode[] = [];
  for (const [key, value] of Object.entries(n)) {
    if (key === 'operator') continue; // lexer Token, not a node
    if (isNode(value)) out.push(value);
    else if (Array.isArray(value)) out.push(...value.filter(isNode));
    else if (value instanceof Map) {
      for (const [k, v] of value) {
        if (isNode(k)) out.push(k);
        if (isNode(v)) out.push(v);
      }
    }
  }
  return out;
}
