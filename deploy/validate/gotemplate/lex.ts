/**
 * Split a Go template into text and action pieces, applying the trim markers exactly as text/template
 * does: `{{- ` removes all whitespace (space, tab, CR, LF) before the action, ` -}}` all whitespace after.
 * Comments `{{/* ... *\/}}` produce nothing. Then tokenises action bodies.
 */
export type Piece = { t: 'text'; s: string } | { t: 'action'; body: string; line: number };

const WS = /[ \t\r\n]/;

export function splitTemplate(src: string, name: string): Piece[] {
  const out: Piece[] = [];
  let i = 0;
  let trimNext = false;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    let text = open < 0 ? src.slice(i) : src.slice(i, open);
    if (trimNext) text = text.replace(/^[ \t\r\n]+/, '');
    if (open < 0) {
      if (text) out.push({ t: 'text', s: text });
      break;
    }
    let start = open + 2;
    if (src[start] === '-' && WS.test(src[start + 1] ?? '')) {
      text = text.replace(/[ \t\r\n]+$/, '');
      start += 2;
    }
    if (text) out.push({ t: 'text', s: text });
    const close = findClose(src, start, name);
    let end = close;
    trimNext = false;
    if (src[close - 1] === '-' && WS.test(src[close - 2] ?? '')) {
      trimNext = true;
      end = close - 2;
    }
    const body = src.slice(start, end).trim();
    const line = src.slice(0, open).split('\n').length;
    if (!(body.startsWith('/*') && body.endsWith('*/'))) out.push({ t: 'action', body, line });
    i = close + 2;
  }
  return out;
}

function findClose(src: string, from: number, name: string): number {
  let quote: string | undefined;
  for (let j = from; j < src.length; j++) {
    const c = src[j]!;
    if (quote) {
      if (c === '\\' && quote === '"') j++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === '`') quote = c;
    else if (src.startsWith('/*', j)) {
      const e = src.indexOf('*/', j + 2);
      if (e < 0) break;
      j = e + 1;
    } else if (c === '}' && src[j + 1] === '}') return j;
  }
  throw new Error(`${name}: unclosed action`);
}

export type Token =
  | { k: 'field'; v: string } // .a.b or .
  | { k: 'var'; v: string } // $ or $x, possibly with .a.b
  | { k: 'ident'; v: string }
  | { k: 'str'; v: string }
  | { k: 'num'; v: number }
  | { k: 'punct'; v: '(' | ')' | '|' | ':=' | '=' | ',' };

export function tokenize(body: string, where: string): Token[] {
  const toks: Token[] = [];
  let i = 0;
  while (i < body.length) {
    const rest = body.slice(i);
    let m: RegExpExecArray | null;
    if ((m = /^[ \t\r\n]+/.exec(rest))) i += m[0].length;
    else if ((m = /^:=/.exec(rest)) || (m = /^[()|=,]/.exec(rest))) {
      toks.push({ k: 'punct', v: m[0] as ':=' });
      i += m[0].length;
    } else if ((m = /^"(?:[^"\\]|\\.)*"/.exec(rest))) {
      toks.push({ k: 'str', v: JSON.parse(m[0]) as string });
      i += m[0].length;
    } else if ((m = /^`[^`]*`/.exec(rest))) {
      toks.push({ k: 'str', v: m[0].slice(1, -1) });
      i += m[0].length;
    } else if ((m = /^-?\d+(\.\d+)?/.exec(rest))) {
      toks.push({ k: 'num', v: Number(m[0]) });
      i += m[0].length;
    } else if ((m = /^\$[A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*/.exec(rest))) {
      toks.push({ k: 'var', v: m[0] });
      i += m[0].length;
    } else if ((m = /^(\.[A-Za-z0-9_]+)+|^\./.exec(rest))) {
      toks.push({ k: 'field', v: m[0] });
      i += m[0].length;
    } else if ((m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest))) {
      toks.push({ k: 'ident', v: m[0] });
      i += m[0].length;
    } else throw new Error(`${where}: unexpected "${rest.slice(0, 10)}"`);
  }
  return toks;
}
