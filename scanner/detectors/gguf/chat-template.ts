import { parse, tokenize } from '@huggingface/jinja';
import type { DetectorContext } from '../../detector.js';
import { quoteName } from '../data/names.js';
import { fold } from './jinja-fold.js';
import { children, filterParts, identName, node, nodes, type JNode } from './jinja-node.js';
import { collectScope } from './jinja-scope.js';
import {
  builtFromPieces,
  DUNDER_TOKEN,
  dunderOf,
  loopNames,
  pushNode,
  stringValue,
  TemplateHits,
} from './jinja-signals.js';
import { GGUF_RULES } from './rules.js';

/** Longest chat template parsed (real templates are a few KiB; the largest known are ~50 KiB). */
export const MAX_TEMPLATE_CHARS = 1024 * 1024;
/** Syntax-tree nodes visited per template. */
export const MAX_TEMPLATE_NODES = 200_000;
/** Names listed per finding. */
const MAX_LISTED = 8;

const ESCAPED_UNDERSCORE = /\\(x5f|u005f|U0000005f|137)|\\N\{LOW LINE\}/i;
/** Node types that may compute a string at render time (checked with the folder). */
const STRING_BUILDERS = new Set(['StringLiteral', 'BinaryExpression', 'FilterExpression', 'CallExpression']);

/**
 * Check a Jinja chat template (GGUF `tokenizer.chat_template*`, HF `tokenizer_config.json` `chat_template`) for
 * sandbox escapes. The template is parsed with @huggingface/jinja and only its syntax tree is inspected: it is
 * NEVER rendered. A template that does not parse is an issue (inconclusive), never clean. `where` names the
 * template's location for messages; `offset` is where it starts in the object, if known.
 */
export function checkChatTemplate(
  template: string,
  ctx: DetectorContext,
  where: string,
  offset?: number,
): void {
  if (template.length > MAX_TEMPLATE_CHARS) {
    ctx.issue(
      'LIMIT_HEADER',
      `${where}: chat template of ${template.length} characters exceeds ${MAX_TEMPLATE_CHARS}; not checked`,
      offset,
    );
    return;
  }
  let program: JNode;
  try {
    program = parse(tokenize(template, { lstrip_blocks: true, trim_blocks: true })) as unknown as JNode;
  } catch (err) {
    const why = err instanceof Error ? err.message.slice(0, 160) : 'unknown error';
    ctx.issue(
      'PARSE_ERROR',
      `${where}: chat template does not parse, so it could not be checked (${why})`,
      offset,
    );
    return;
  }
  const hits = new TemplateHits();
  const complete = walk(program, hits);
  if (!complete)
    ctx.issue(
      'LIMIT_HEADER',
      `${where}: chat template has more than ${MAX_TEMPLATE_NODES} syntax nodes; only part was checked`,
      offset,
    );
  if (hits.size === 0 && (DUNDER_TOKEN.test(template) || ESCAPED_UNDERSCORE.test(template))) {
    hits.add('JINJA-DUNDER-TEXT', (DUNDER_TOKEN.exec(template) ?? ['escaped underscore'])[0]);
  }
  for (const [rule, names] of hits.entries()) {
    const list =
      [...names].slice(0, MAX_LISTED).map(quoteName).join(', ') +
      (names.size > MAX_LISTED ? ` and ${names.size - MAX_LISTED} more` : '');
    GGUF_RULES.report(ctx, rule, {
      message: `${where}: ${GGUF_RULES.rule(rule).title.toLowerCase()}: ${list}`,
      evidence: `${where}: ${list}`,
      ...(offset === undefined ? {} : { offset }),
    });
  }
}

/** Walk the tree once (explicit stack, bounded). Returns false when the node cap was hit. */
function walk(program: JNode, hits: TemplateHits): boolean {
  const lists = GGUF_RULES.doc.jinja;
  const gadgets = new Set(lists.gadget_roots);
  const dangerous = new Set(lists.dangerous_names);
  const attrFilters = new Set(lists.attribute_filters);
  const scope = collectScope(program, MAX_TEMPLATE_NODES);

  const attrName = (name: string, via: 'member' | 'attr'): void => {
    for (const seg of name.split('.')) {
      if (seg.startsWith('__'))
        hits.add(via === 'attr' ? 'JINJA-SSTI-ATTR-FILTER' : 'JINJA-SSTI-DUNDER', dunderOf(seg));
      else if (seg.startsWith('_')) hits.add('JINJA-PRIVATE-ATTR', seg);
      else if (dangerous.has(seg)) hits.add('JINJA-SSTI-DANGEROUS-NAME', seg);
    }
  };

  const stack: JNode[] = [program];
  // String literals in statement position are template text (or `{{ 'x' }}`): printed, never used as names.
  // Text inside a block set, macro, call block or filter block becomes a value, however deeply nested.
  const output = new WeakSet<JNode>();
  const valueText = new WeakSet<JNode>();
  let inValue = false;
  const body = (v: unknown): JNode[] => {
    const list = nodes(v);
    for (const s of list) if (s.type === 'StringLiteral' && !inValue) output.add(s);
    return list;
  };
  const valueBody = (v: unknown): JNode[] => {
    const list = nodes(v);
    for (const s of list) valueText.add(s);
    return list;
  };
  let visited = 0;
  while (stack.length > 0) {
    if (++visited > MAX_TEMPLATE_NODES) return false;
    const n = stack.pop()!;
    inValue = valueText.has(n);
    if (inValue) for (const c of children(n)) valueText.add(c);
    if (STRING_BUILDERS.has(n.type) && !output.has(n)) stringValue(n, scope, hits);
    switch (n.type) {
      case 'MemberExpression': {
        const prop = node(n.property);
        if (!n.computed) {
          const name = identName(prop);
          if (name !== undefined) attrName(name, 'member');
        } else if (prop) {
          const v = fold(prop, scope.consts);
          if (typeof v === 'string') attrName(v, 'member');
          else if (v === undefined && builtFromPieces(prop))
            hits.add('JINJA-SSTI-OBFUSCATED', 'computed item name');
          else if (/_token$/.test(identName(prop) ?? '') && !scope.bound.has(identName(prop)!)) {
            // bos_token/eos_token come from the model's own vocabulary, which the template author also controls.
            hits.add('JINJA-SSTI-OBFUSCATED', 'item name from a special token');
          }
          stack.push(prop);
        }
        pushNode(stack, n.object);
        break;
      }
      case 'FilterExpression':
      case 'FilterStatement': {
        const { name, args } = filterParts(n.filter);
        if (name !== undefined && attrFilters.has(name)) {
          args.forEach((arg, i) => {
            const value =
              arg.type === 'KeywordArgumentExpression'
                ? identName(arg.key) === 'attribute'
                  ? node(arg.value)
                  : undefined
                : arg;
            if (!value) return;
            const v = fold(value, scope.consts);
            if (typeof v === 'string') attrName(v, name === 'attr' ? 'attr' : 'member');
            else if (name === 'attr' && i === 0) hits.add('JINJA-SSTI-ATTR-FILTER', 'attr(<computed name>)');
          });
        }
        pushNode(stack, n.filter); // its arguments (and any call of its result) are expressions too
        pushNode(stack, n.operand);
        stack.push(...valueBody(n.body));
        break;
      }
      case 'KeywordArgumentExpression': {
        const key = identName(n.key) ?? '';
        if (key.startsWith('__')) hits.add('JINJA-SSTI-DUNDER', dunderOf(key));
        else if (/^_+$/.test(key)) hits.add('JINJA-SSTI-OBFUSCATED', 'underscore keyword name');
        pushNode(stack, n.value);
        break;
      }
      case 'Identifier': {
        const name = typeof n.value === 'string' ? n.value : '';
        if (scope.bound.has(name)) break;
        if (name.startsWith('__')) hits.add('JINJA-SSTI-DUNDER', dunderOf(name));
        else if (gadgets.has(name)) hits.add('JINJA-SSTI-GADGET', name);
        else if (dangerous.has(name)) hits.add('JINJA-SSTI-DANGEROUS-NAME', name);
        break;
      }
      case 'CallExpression': {
        // namespace() creating loop state is ordinary; any other use of `namespace` is a gadget root.
        if (identName(n.callee) !== 'namespace') pushNode(stack, n.callee);
        stack.push(...nodes(n.args));
        break;
      }
      case 'TestExpression':
        pushNode(stack, n.operand);
        break;
      case 'For':
        for (const name of loopNames(n.loopvar))
          if (name.startsWith('__')) hits.add('JINJA-SSTI-DUNDER', dunderOf(name));
        pushNode(stack, n.iterable);
        stack.push(...body(n.body), ...body(n.defaultBlock));
        break;
      case 'Set': {
        const name = identName(n.assignee);
        if (name === undefined) pushNode(stack, n.assignee);
        else if (name.startsWith('__')) hits.add('JINJA-SSTI-DUNDER', dunderOf(name));
        pushNode(stack, n.value);
        stack.push(...valueBody(n.body)); // a block set's text becomes a value, so it is checked like one
        break;
      }
      case 'Macro':
        for (const a of nodes(n.args)) if (a.type === 'KeywordArgumentExpression') pushNode(stack, a.value);
        stack.push(...valueBody(n.body)); // a macro's text is its return value
        break;
      case 'CallStatement':
        pushNode(stack, n.call);
        stack.push(...valueBody(n.body));
        break;
      case 'Program':
        stack.push(...body(n.body));
        break;
      case 'If':
        pushNode(stack, n.test);
        stack.push(...body(n.body), ...body(n.alternate));
        break;
      default:
        stack.push(...children(n));
    }
  }
  return true;
}
