import type { Detector, DetectorContext } from '../../detector.js';
import type { ByteSink } from '../../sink.js';
import { CONTAINER_RULES } from '../rules.js';

/** Longest line held in memory; longer lines are checked in pieces that overlap by LINE_OVERLAP bytes. */
export const MAX_LINE = 64 * 1024;
const LINE_OVERLAP = 256;
/** Names listed per rule in one finding. */
const MAX_NAMES = 5;

interface Compiled {
  patterns: { rule: string; re: RegExp }[];
  builtinOps: Set<string>;
}

let compiled: Compiled | undefined;

function rules(): Compiled {
  if (compiled) return compiled;
  const doc = CONTAINER_RULES.doc.torchscript;
  return (compiled = {
    patterns: doc.patterns.map((p) => ({ rule: p.rule, re: new RegExp(p.regex, 'g') })),
    builtinOps: new Set(doc.builtin_op_namespaces),
  });
}

const OPS = /(?<![\w.])(?:torch\s*\.\s*)?ops\s*\.\s*([A-Za-z_]\w*)\s*\.\s*([A-Za-z_]\w*)/g;

interface Hits {
  count: number;
  names: Set<string>;
  offset: number;
}

/**
 * TorchScript source members (`<root>/code/**.py` of a torch.jit.save archive). TorchScript is a restricted
 * language torch compiles, never Python that runs; text reaching OS modules, eval/exec, object internals or
 * custom operator libraries is reported by the patterns in rules/containers.yaml. Reads line by line, bounded.
 */
class TorchscriptCode implements ByteSink {
  private carry = '';
  private carryOffset = 0;
  private offset = 0;
  private lines = 0;
  private binary = false;
  private readonly hits = new Map<string, Hits>();
  private readonly decoder = new TextDecoder('latin1');

  constructor(private readonly ctx: DetectorContext) {}

  write(chunk: Uint8Array): void {
    if (!this.binary && chunk.includes(0)) {
      this.binary = true;
      this.ctx.issue(
        'PARSE_ERROR',
        'binary content in a TorchScript code member; not checked as code',
        this.offset,
      );
    }
    this.offset += chunk.length;
    if (this.binary) return;
    const text = this.carry + this.decoder.decode(chunk);
    const nl = text.lastIndexOf('\n');
    // Whole lines are checked; a line longer than MAX_LINE is checked as it is, keeping an overlap for the rest.
    const cut = nl >= 0 ? nl + 1 : text.length > MAX_LINE ? text.length - LINE_OVERLAP : 0;
    if (cut > 0) this.check(nl >= 0 ? text.slice(0, cut) : text, this.carryOffset);
    this.carry = text.slice(cut);
    this.carryOffset += cut;
  }

  end(): void {
    if (!this.binary && this.carry.length > 0) this.check(this.carry, this.carryOffset);
    for (const [rule, h] of this.hits) {
      const names = [...h.names].join(', ');
      CONTAINER_RULES.report(this.ctx, rule, {
        message: `TorchScript code uses ${names}${h.count > h.names.size ? ` (${h.count} places)` : ''}`,
        callable: [...h.names][0]!,
        offset: h.offset,
      });
    }
    this.ctx.scanned('torchscript-code', `torchscript code: ${this.lines} lines`);
  }

  private check(text: string, base: number): void {
    for (const c of text) if (c === '\n') this.lines++;
    const r = rules();
    for (const { rule, re } of r.patterns) {
      re.lastIndex = 0;
      for (let m = re.exec(text); m; m = re.exec(text)) {
        this.hit(rule, (m[1] ?? m[0]).replace(/\s+/g, ''), base + m.index);
        if (m[0].length === 0) re.lastIndex++;
      }
    }
    OPS.lastIndex = 0;
    for (let m = OPS.exec(text); m; m = OPS.exec(text)) {
      if (!r.builtinOps.has(m[1]!))
        this.hit('TORCHSCRIPT-CUSTOM-OP', `torch.ops.${m[1]}.${m[2]}`, base + m.index);
    }
  }

  private hit(rule: string, name: string, offset: number): void {
    let h = this.hits.get(rule);
    if (!h) this.hits.set(rule, (h = { count: 0, names: new Set(), offset }));
    h.count++;
    if (h.names.size < MAX_NAMES) h.names.add(name.slice(0, 80));
  }
}

export const torchscriptCodeDetector: Detector = {
  id: 'torchscript-code',
  version: 1,
  formats: ['torchscript-code'],
  create: (ctx) => new TorchscriptCode(ctx),
};
