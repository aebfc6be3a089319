import type { Command, Node, Operand, Parsed, Pipe } from './ast.js';
import { splitTemplate, tokenize, type Piece, type Token } from './lex.js';

/**
 * Parser for the text/template subset used by deploy/helm/cavra-scan: actions with pipelines, `if` /
 * `else if` / `else`, `range` (with optional `$i, $e :=`), `with`, `define`, `template`, variables and
 * parenthesised pipelines. Anything else (`block`, `break`, field access on a call result) is a parse error,
 * so a template that uses it fails the test instead of rendering differently from Helm.
 */
export function parseTemplate(src: string, name: string): Parsed {
  const pieces = splitTemplate(src, name);
  const defines = new Map<string, Node[]>();
  let pos = 0;

  function block(): { nodes: Node[]; end: string } {
    const nodes: Node[] = [];
    while (pos < pieces.length) {
      const p = pieces[pos++]!;
      if (p.t === 'text') {
        nodes.push({ t: 'text', s: p.s });
        continue;
      }
      const where = `${name}:${p.line}`;
      const kw = /^(if|else if|else|end|range|with|define|template|block|break|continue)\b/.exec(p.body)?.[1];
      const rest = kw ? p.body.slice(kw.length) : p.body;
      if (kw === 'end' || kw === 'else' || kw === 'else if') return { nodes, end: p.body };
      if (kw === 'if') nodes.push(ifNode(rest, where));
      else if (kw === 'range' || kw === 'with') {
        const pipe = parsePipe(tokenize(rest, where), where);
        const body = block();
        let otherwise: Node[] | undefined;
        if (body.end === 'else') otherwise = expectEnd(block(), where);
        else if (body.end !== 'end') throw new Error(`${where}: ${kw} closed by ${body.end}`);
        nodes.push({ t: kw, pipe, body: body.nodes, ...(otherwise ? { otherwise } : {}) });
      } else if (kw === 'define') {
        const toks = tokenize(rest, where);
        if (toks.length !== 1 || toks[0]!.k !== 'str') throw new Error(`${where}: define needs a name`);
        defines.set(toks[0]!.v as string, expectEnd(block(), where));
      } else if (kw === 'template') {
        const toks = tokenize(rest, where);
        if (toks[0]?.k !== 'str') throw new Error(`${where}: template needs a name`);
        const pipe = toks.length > 1 ? parsePipe(toks.slice(1), where) : undefined;
        nodes.push({ t: 'template', name: toks[0].v as string, ...(pipe ? { pipe } : {}) });
      } else if (kw) throw new Error(`${where}: "${kw}" is not supported by the test renderer`);
      else nodes.push({ t: 'action', pipe: parsePipe(tokenize(p.body, where), where) });
    }
    return { nodes, end: '' };
  }

  function ifNode(cond: string, where: string): Node {
    const branches: { cond: Pipe; body: Node[] }[] = [];
    let c = cond;
    for (;;) {
      const body = block();
      branches.push({ cond: parsePipe(tokenize(c, where), where), body: body.nodes });
      if (body.end === 'end') return { t: 'if', branches };
      if (body.end.startsWith('else if')) {
        c = body.end.slice('else if'.length);
        continue;
      }
      if (body.end === 'else') return { t: 'if', branches, otherwise: expectEnd(block(), where) };
      throw new Error(`${where}: unterminated if`);
    }
  }

  const root = block();
  if (root.end !== '') throw new Error(`${name}: unexpected {{${root.end}}}`);
  return { root: root.nodes, defines };
}

function expectEnd(b: { nodes: Node[]; end: string }, where: string): Node[] {
  if (b.end !== 'end') throw new Error(`${where}: missing {{end}}`);
  return b.nodes;
}

function parsePipe(toks: Token[], where: string): Pipe {
  let i = 0;
  const pipe: Pipe = { cmds: [] };
  const declEnd = toks.findIndex((t) => t.k === 'punct' && (t.v === ':=' || t.v === '='));
  if (declEnd > 0 && toks.slice(0, declEnd).every((t) => t.k === 'var' || (t.k === 'punct' && t.v === ','))) {
    pipe.decl = toks
      .slice(0, declEnd)
      .filter((t) => t.k === 'var')
      .map((t) => t.v as string);
    pipe.assign = (toks[declEnd] as Token & { v: string }).v === '=';
    i = declEnd + 1;
  }
  function operand(): Operand {
    const t = toks[i++];
    if (!t) throw new Error(`${where}: missing operand`);
    if (t.k === 'field') return { t: 'field', base: 'dot', path: t.v === '.' ? [] : t.v.slice(1).split('.') };
    if (t.k === 'var') {
      const [v, ...path] = t.v.split('.');
      return { t: 'field', base: v!, path };
    }
    if (t.k === 'str' || t.k === 'num') return { t: 'lit', value: t.v };
    if (t.k === 'ident') {
      if (t.v === 'true' || t.v === 'false') return { t: 'lit', value: t.v === 'true' };
      if (t.v === 'nil') return { t: 'lit', value: null };
      return { t: 'ident', name: t.v };
    }
    if (t.v === '(') {
      let depth = 1;
      const start = i;
      while (i < toks.length && depth > 0) {
        const x = toks[i++]!;
        if (x.k === 'punct' && x.v === '(') depth++;
        if (x.k === 'punct' && x.v === ')') depth--;
      }
      if (depth !== 0) throw new Error(`${where}: unbalanced (`);
      return { t: 'pipe', pipe: parsePipe(toks.slice(start, i - 1), where) };
    }
    throw new Error(`${where}: unexpected ${t.v}`);
  }
  let cmd: Command = { args: [] };
  while (i < toks.length) {
    const t = toks[i]!;
    if (t.k === 'punct' && t.v === '|') {
      if (cmd.args.length === 0) throw new Error(`${where}: empty command`);
      pipe.cmds.push(cmd);
      cmd = { args: [] };
      i++;
    } else cmd.args.push(operand());
  }
  if (cmd.args.length === 0) throw new Error(`${where}: empty pipeline`);
  pipe.cmds.push(cmd);
  return pipe;
}

export type { Piece };
