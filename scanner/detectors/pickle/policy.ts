import { CavraError } from '../../errors.js';
import { matchesPattern, type RuleExtensions } from '../../rule-extensions.js';
import type { PickleRule, PickleRulesFile } from './rules.js';

/** How one imported global is judged. `rule` null means allowlisted (clean). */
export interface Judgement {
  /** Normalized dotted name (aliases and re-exports resolved), e.g. `os.system` for `posix.system`. */
  canonical: string;
  rule: PickleRule | null;
}

interface DenyEntry {
  rule: PickleRule;
  /** 'tree': the pattern and everything below; 'members': only what is below. */
  kind: 'tree' | 'members';
}

const CACHE_MAX = 10_000;

/**
 * The default-deny judgement of pickle globals, built from `rules/pickle-globals.yaml` plus the policy's
 * allow/deny extensions. See the YAML header for the matching semantics.
 */
export class GlobalPolicy {
  private readonly byId = new Map<string, PickleRule>();
  private readonly deny = new Map<string, DenyEntry>();
  private readonly dunder = new Set<string>();
  private readonly allowExact = new Set<string>();
  private readonly allowTree = new Set<string>();
  private readonly cache = new Map<string, Judgement>();
  readonly dangerousCodeNames: ReadonlySet<string>;

  constructor(
    private readonly file: PickleRulesFile,
    private readonly extensions: Readonly<RuleExtensions>,
  ) {
    for (const r of file.rules) {
      if (this.byId.has(r.id))
        throw new CavraError('RULES_INVALID', `pickle-globals: duplicate rule id ${r.id}`);
      this.byId.set(r.id, r);
      for (const m of r.match?.modules ?? []) this.addDeny(m, r, 'tree');
      for (const m of r.match?.names ?? []) this.addDeny(m, r, 'tree');
      for (const m of r.match?.members ?? []) this.addDeny(m, r, 'members');
      for (const a of r.match?.attributes ?? []) this.dunder.add(a);
    }
    for (const a of file.allow) {
      for (const m of a.modules ?? []) this.allowTree.add(m);
      for (const n of a.names ?? []) this.allowExact.add(n);
    }
    this.dangerousCodeNames = new Set(file.dangerous_code_names);
  }

  private addDeny(pattern: string, rule: PickleRule, kind: DenyEntry['kind']): void {
    const prev = this.deny.get(pattern);
    if (prev && prev.rule !== rule) {
      throw new CavraError(
        'RULES_INVALID',
        `pickle-globals: ${pattern} is listed by both ${prev.rule.id} and ${rule.id}`,
      );
    }
    this.deny.set(pattern, { rule, kind });
  }

  /** A rule by id (every id the detector reports is in the YAML; a missing one is a bundling error). */
  rule(id: string): PickleRule {
    const r = this.byId.get(id);
    if (!r) throw new CavraError('RULES_INVALID', `pickle-globals: rule ${id} is missing`);
    return r;
  }

  /** Judge `module` + `name` as a pickle's find_class would resolve them. */
  judge(module: string, name: string): Judgement {
    const key = `${module}\0${name}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const j = this.compute(module, name);
    if (this.cache.size < CACHE_MAX) this.cache.set(key, j);
    return j;
  }

  /** Resolve aliases and re-exported modules: the component list and where the attribute part starts. */
  normalize(module: string, name: string): { parts: string[]; nameStart: number } {
    const modParts = module.split('.');
    const alias = this.file.aliases[modParts[0]!] ?? this.file.aliases[module];
    let mod =
      alias !== undefined
        ? (this.file.aliases[module] ?? [alias, ...modParts.slice(1)].join('.')).split('.')
        : modParts;
    let parts = [...mod, ...name.split('.')];
    let nameStart = mod.length;
    // `random._os.system`, `pathlib.os.system`: the rightmost re-exported module decides what the name is. Only
    // attribute components count: the module part is imported as written, so it names real (sub)modules
    // (`torch.jit._pickle` is torch's own module, not the pickle module).
    for (let i = parts.length - 1; i >= Math.max(1, nameStart); i--) {
      const target = this.file.reexports[parts[i]!];
      if (target !== undefined) {
        mod = target.split('.');
        parts = [...mod, ...parts.slice(i + 1)];
        nameStart = Math.min(mod.length, parts.length);
        break;
      }
    }
    return { parts, nameStart };
  }

  private compute(module: string, name: string): Judgement {
    const { parts, nameStart } = this.normalize(module, name);
    const canonical = parts.join('.');
    const raw = `${module}.${name}`;
    const ext = this.extensions;
    if (matchesPattern(canonical, ext.denyGlobals) || matchesPattern(raw, ext.denyGlobals)) {
      return { canonical, rule: this.rule('PICKLE-POLICY-DENY') };
    }
    let denyLen = 0;
    let denied: PickleRule | null = null;
    for (let i = parts.length; i >= 1 && !denied; i--) {
      const e = this.deny.get(parts.slice(0, i).join('.'));
      if (e && (e.kind === 'tree' || i < parts.length)) {
        denied = e.rule;
        denyLen = i;
      }
    }
    if (!denied) {
      for (let i = 1; i < parts.length; i++) {
        if (this.dunder.has(parts[i]!)) return { canonical, rule: this.rule('PICKLE-DUNDER-ACCESS') };
      }
    }
    let allowLen = this.allowExact.has(canonical) ? parts.length : 0;
    if (allowLen === 0 && parts.length - nameStart === 1) {
      for (let i = nameStart; i >= 1; i--) {
        if (this.allowTree.has(parts.slice(0, i).join('.'))) {
          allowLen = i;
          break;
        }
      }
    }
    if (denied && denyLen >= allowLen) {
      return { canonical, rule: denied };
    }
    if (allowLen > 0) return { canonical, rule: null };
    const unknown = denied ?? this.rule('PICKLE-UNKNOWN-GLOBAL');
    // A policy allow covers what the bundled rules do not call dangerous (unknown or medium), never a critical deny.
    if (unknown.severity !== 'critical' && unknown.severity !== 'high') {
      if (matchesPattern(canonical, ext.allowGlobals) || matchesPattern(raw, ext.allowGlobals))
        return { canonical, rule: null };
    }
    return { canonical, rule: unknown };
  }
}
