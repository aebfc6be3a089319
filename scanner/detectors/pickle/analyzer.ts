import type { DetectorContext } from '../../detector.js';
import { joblibLayout, isObj } from './joblib-layout.js';
import type { GlobalPolicy, Judgement } from './policy.js';
import type { PickleRule } from './rules.js';
import { isLegacyTarPersid, LEGACY_TAR, torchStorageKey } from './torch-persid.js';
import { BytesV, GlobalV, K_GLOBAL, K_OBJ, K_TUPLE, ObjV, TupleV, typeName, type Value } from './values.js';
import type { CallOp, VmEvents } from './vm-events.js';
import type { PickleVM } from './vm.js';

/** One call site the VM saw (kept for tests and coverage detail; capped). */
export interface CallSite {
  op: CallOp;
  /** Canonical callable name, or a description of a computed callee. */
  callable: string;
  offset: number;
}

const MAX_CALL_SITES = 10_000;
const MAX_DEDUPE = 4096;
const MAX_TRACKED_IMPORTS = 10_000;
const JOBLIB_WRAPPER = 'joblib.numpy_pickle.NumpyArrayWrapper';

interface TrackedImport {
  g: GlobalV;
  j: Judgement;
  called: boolean;
}

/**
 * Turns VM events into findings: judges every imported global and every call site against the pickle rules,
 * checks persistent ids against torch's storage shape, and drives joblib's in-stream array data.
 */
export class PickleAnalyzer implements VmEvents {
  readonly calls: CallSite[] = [];
  callCount = 0;
  joblibArrays = 0;
  vm: PickleVM | undefined;
  private readonly judged = new WeakMap<GlobalV, Judgement>();
  private readonly imports = new Map<string, TrackedImport>();
  private readonly seen = new Set<string>();
  private storageKeys: Set<string> | undefined;
  private nested: { offset: number; data: Uint8Array }[] = [];

  constructor(
    private readonly ctx: DetectorContext,
    private readonly policy: GlobalPolicy,
  ) {}

  onGlobal(g: GlobalV): void {
    if (g.module === null || g.name === null) {
      this.report(
        this.policy.rule('PICKLE-UNRESOLVED-GLOBAL'),
        '<computed>',
        `non-literal module/name via ${g.via}`,
        g.offset,
      );
      return;
    }
    const j = this.policy.judge(g.module, g.name);
    this.judged.set(g, j);
    if (j.canonical === JOBLIB_WRAPPER || j.canonical === 'numpy.dtype') g.keepState = true;
    if (j.rule === null) return;
    const key = `${j.canonical}\0${g.via}`;
    if (!this.imports.has(key) && this.imports.size < MAX_TRACKED_IMPORTS)
      this.imports.set(key, { g, j, called: false });
    else if (!this.imports.has(key))
      this.report(j.rule, j.canonical, `${display(g)} via ${g.via} (imported)`, g.offset);
  }

  onCall(op: CallOp, callee: Value, offset: number, args: Value, target: Value | null): void {
    this.callCount++;
    const isGlobal = typeof callee === 'object' && callee !== null && callee.k === K_GLOBAL;
    const g = isGlobal ? (callee as GlobalV) : null;
    const j = g ? this.judged.get(g) : undefined;
    if (this.calls.length < MAX_CALL_SITES)
      this.calls.push({ op, callable: j?.canonical ?? describe(callee), offset });
    if (g && target === callee) {
      this.report(
        this.policy.rule('PICKLE-GLOBAL-MUTATION'),
        j?.canonical ?? display(g),
        `${display(g)} via ${g.via} -> ${op}`,
        offset,
      );
      return;
    }
    if (!g) {
      this.report(
        this.policy.rule('PICKLE-DYNAMIC-CALL'),
        describe(callee),
        `${describe(callee)} -> ${op}`,
        offset,
      );
      return;
    }
    if (!j) return; // unresolved STACK_GLOBAL: already reported as critical
    this.markCalled(g, j);
    if (j.rule === null) return;
    let rule = j.rule;
    if (rule.id === 'PICKLE-NESTED-DESERIALIZER' && op === 'REDUCE') this.queueNested(args, offset);
    if (rule.id === 'PICKLE-DILL-CODE' && this.namesDangerous(args))
      rule = this.policy.rule('PICKLE-DILL-DANGEROUS-CODE');
    this.report(rule, j.canonical, `${display(g)} via ${g.via} -> ${op}`, offset);
  }

  onPersid(op: 'PERSID' | 'BINPERSID', pid: Value, offset: number): void {
    const judge = (g: GlobalV) => this.judged.get(g);
    const key = torchStorageKey(pid, judge);
    if (key === undefined && this.ctx.shared.get(LEGACY_TAR) === true && isLegacyTarPersid(pid, judge))
      return;
    if (key === undefined) {
      this.report(
        this.policy.rule('PICKLE-PERSID'),
        op,
        `${op} with a ${typeName(pid)} id (not a torch storage tuple)`,
        offset,
      );
      return;
    }
    if (!this.storageKeys) {
      const existing = this.ctx.shared.get('torch.storageKeys');
      this.storageKeys = existing instanceof Set ? (existing as Set<string>) : new Set<string>();
      this.ctx.shared.set('torch.storageKeys', this.storageKeys);
    }
    if (this.storageKeys.size < 1_000_000) this.storageKeys.add(key);
  }

  onExt(op: string, _code: number, offset: number): void {
    this.report(this.policy.rule('PICKLE-EXT-CODE'), op, `copyreg extension via ${op}`, offset);
  }

  onBuild(target: Value, _state: Value, offset: number): void {
    if (!isObj(target) || !this.vm) return;
    const cls = target.callee;
    if (typeof cls !== 'object' || cls === null || cls.k !== K_GLOBAL) return;
    if (this.judged.get(cls as GlobalV)?.canonical !== JOBLIB_WRAPPER) return;
    const layout = joblibLayout(target, offset);
    if (this.joblibArrays++ === 0) this.ctx.scanned('joblib', 'joblib pickle with in-stream numpy arrays');
    if (layout.kind === 'pickle') this.vm.beginNested();
    else this.vm.skipRaw(layout.padded, layout.bytes);
  }

  onStop(): void {
    this.flushImports();
  }

  /** A rule by id (for findings the detector makes itself). */
  rule(id: string): PickleRule {
    return this.policy.rule(id);
  }

  /** Byte arguments of nested deserializer calls, to be scanned as pickles of their own. */
  takeNested(): { offset: number; data: Uint8Array }[] {
    const out = this.nested;
    this.nested = [];
    return out;
  }

  private queueNested(args: Value, offset: number): void {
    if (!(args instanceof TupleV) || !args.items || this.nested.length >= 16) return;
    const first = args.items[0];
    if (first instanceof BytesV && first.data && first.length > 0)
      this.nested.push({ offset, data: first.data });
  }

  /** Report globals that were imported but never called (importing alone runs module code). */
  flushImports(): void {
    for (const t of this.imports.values()) {
      if (!t.called && t.j.rule)
        this.report(
          t.j.rule,
          t.j.canonical,
          `${display(t.g)} via ${t.g.via} (imported, not called)`,
          t.g.offset,
        );
    }
    this.imports.clear();
  }

  private markCalled(g: GlobalV, j: Judgement): void {
    const t = this.imports.get(`${j.canonical}\0${g.via}`);
    if (t) t.called = true;
  }

  /** Do the retained strings of a dill code object's arguments name something dangerous? */
  private namesDangerous(v: Value, depth = 0): boolean {
    if (typeof v === 'string') return v.split('.').some((p) => this.policy.dangerousCodeNames.has(p));
    if (depth > 4 || typeof v !== 'object' || v === null || v.k !== K_TUPLE) return false;
    const items = (v as TupleV).items;
    return items !== null && items.some((x) => this.namesDangerous(x, depth + 1));
  }

  private report(rule: PickleRule, callable: string, evidence: string, offset: number): void {
    const key = `${rule.id}\0${callable}\0${evidence}`;
    if (this.seen.has(key)) return;
    if (this.seen.size < MAX_DEDUPE) this.seen.add(key);
    this.ctx.report({
      ruleId: rule.id,
      severity: rule.severity,
      message: `${rule.title}: ${callable}`,
      evidence,
      callable,
      why: rule.why,
      ...(rule.references ? { references: rule.references } : {}),
      offset,
    });
  }
}

function display(g: GlobalV): string {
  return g.display;
}

/** Name what a computed callee came from, never its value. */
function describe(v: Value): string {
  if (typeof v === 'object' && v !== null) {
    if (v.k === K_OBJ) {
      const c = (v as ObjV).callee;
      const from =
        typeof c === 'object' && c !== null && c.k === K_GLOBAL ? (c as GlobalV).display : typeName(c);
      return `result of ${from}`;
    }
    if (v.k === K_GLOBAL) return (v as GlobalV).display;
  }
  return `<${typeName(v)}>`;
}
