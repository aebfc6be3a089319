import type { DetectorContext } from '../../detector.js';
import { matchesPattern } from '../../rule-extensions.js';
import { inspectLambdaFunction, decodeLambdaCode, type LambdaFunction } from './lambda.js';
import { KERAS_RULES, kerasTables, type KerasTables } from './rules.js';

/** Most JSON values visited in one Keras config. */
export const MAX_CONFIG_NODES = 2_000_000;
/** Deepest nesting walked in one Keras config. */
export const MAX_CONFIG_DEPTH = 256;
/** Longest name put into a finding (callables, module names). */
const MAX_NAME = 200;

export interface KerasConfigStats {
  objects: number;
  lambdas: number;
}

type Path = readonly (string | number)[];

/**
 * The one Keras config check, shared by `.h5` (`model_config`, `training_config`) and `.keras` v3
 * (`config.json`): every object with a `class_name` is checked for the modules it makes Keras import
 * (`module`, `registered_name`, `class_name: "function"`), known gadgets, and Lambda bytecode.
 * `source` names the config in evidence (e.g. `model_config`). Never reports values, only names.
 */
export function checkKerasConfig(doc: unknown, ctx: DetectorContext, source: string): KerasConfigStats {
  const t = kerasTables();
  const stats: KerasConfigStats = { objects: 0, lambdas: 0 };
  const stack: { value: unknown; path: Path }[] = [{ value: doc, path: [] }];
  let nodes = 0;
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (++nodes > MAX_CONFIG_NODES || path.length > MAX_CONFIG_DEPTH) {
      ctx.issue('LIMIT_HEADER', `${source}: Keras config larger or deeper than the limits; rest not checked`);
      break;
    }
    if (value === null || typeof value !== 'object') continue;
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], path: [...path, i] });
      continue;
    }
    const obj = value as Record<string, unknown>;
    if (typeof obj.class_name === 'string') {
      stats.objects++;
      checkObject(obj, obj.class_name, where(source, path), ctx, t, stats);
    }
    const keys = Object.keys(obj);
    for (let i = keys.length - 1; i >= 0; i--)
      stack.push({ value: obj[keys[i]!], path: [...path, keys[i]!] });
  }
  return stats;
}

/** Does `doc` look like a serialized Keras object (v3 config.json or a Keras 2 model JSON)? */
export function isKerasConfig(doc: unknown): boolean {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return false;
  const o = doc as Record<string, unknown>;
  return (
    typeof o.class_name === 'string' &&
    typeof o.config === 'object' &&
    o.config !== null &&
    ('module' in o || 'registered_name' in o || 'keras_version' in o || 'backend' in o)
  );
}

function checkObject(
  obj: Record<string, unknown>,
  cls: string,
  at: string,
  ctx: DetectorContext,
  t: KerasTables,
  stats: KerasConfigStats,
): void {
  const module = typeof obj.module === 'string' && obj.module !== '' ? obj.module : undefined;
  const fnName = cls === 'function' && typeof obj.config === 'string' ? obj.config : undefined;
  const qualified = module ? `${module}.${fnName ?? cls}` : (fnName ?? cls);
  const registered = typeof obj.registered_name === 'string' ? obj.registered_name : undefined;
  const regPackage = registered?.includes('>') ? registered.slice(0, registered.indexOf('>')) : undefined;

  for (const name of [cls, qualified, fnName, registered?.slice(registered.indexOf('>') + 1)]) {
    const rule = name === undefined ? undefined : t.gadgets.get(name);
    if (rule) {
      KERAS_RULES.report(ctx, rule, {
        message: `${cls} in ${at} is a known Keras gadget`,
        evidence: at,
        callable: clip(qualified),
      });
      break;
    }
  }
  const moduleRule = module ? gradeModule(module, qualified, ctx, t) : undefined;
  const regRule = regPackage && !moduleRule ? gradeModule(regPackage, registered!, ctx, t) : undefined;
  const rule = moduleRule ?? regRule;
  if (rule) {
    const named = moduleRule ? qualified : registered!;
    KERAS_RULES.report(ctx, rule, {
      message: `${at} makes Keras import ${clip(named)}`,
      evidence: at,
      callable: clip(named),
    });
  }

  const config =
    obj.config !== null && typeof obj.config === 'object'
      ? (obj.config as Record<string, unknown>)
      : undefined;
  if (cls === '__lambda__' && config) {
    stats.lambdas++;
    const code = config.code;
    reportLambda(
      typeof code === 'string' ? decodeLambdaCode(code) : { kind: 'undecodable', reason: 'no code' },
      at,
      ctx,
      t,
    );
  } else if (cls === 'Lambda' && config) {
    // Keras 2 stores the function inline (base64 / [code, defaults, closure] / a function name); a Keras 3
    // `__lambda__` object is reached by the walk itself.
    for (const [key, typeKey] of [
      ['function', 'function_type'],
      ['output_shape', 'output_shape_type'],
    ] as const) {
      const fn = config[key];
      if (fn !== null && typeof fn === 'object' && !Array.isArray(fn)) continue;
      if (key === 'output_shape' && config[typeKey] !== 'lambda' && config[typeKey] !== 'function') continue;
      const moduleKey = key === 'function' ? 'module' : 'output_shape_module';
      const found = inspectLambdaFunction(fn, config[typeKey], config[moduleKey]);
      if (found.kind === 'none') continue;
      stats.lambdas++;
      reportLambda(found, `${at}.${key}`, ctx, t);
    }
  }
}

/** Rule id for a module (or registered package) a config makes Keras import, or undefined when it is Keras'. */
function gradeModule(
  module: string,
  qualified: string,
  ctx: DetectorContext,
  t: KerasTables,
): string | undefined {
  const { allowKerasModules, denyKerasModules } = ctx.extensions;
  if (matchesPattern(qualified, denyKerasModules) || matchesPattern(module, denyKerasModules))
    return 'KERAS-DENIED-MODULE';
  if (matchesPattern(module, t.dangerousModules)) return 'KERAS-DANGEROUS-MODULE';
  if (matchesPattern(qualified, allowKerasModules) || matchesPattern(module, allowKerasModules))
    return undefined;
  if (matchesPattern(module, t.kerasModules)) return undefined;
  return 'KERAS-CUSTOM-OBJECT';
}

function reportLambda(found: LambdaFunction, at: string, ctx: DetectorContext, t: KerasTables): void {
  if (found.kind === 'none') return;
  if (found.kind === 'undecodable') {
    KERAS_RULES.report(ctx, 'KERAS-LAMBDA-UNDECODABLE', {
      message: `Lambda in ${at}: ${found.reason}`,
      evidence: at,
    });
    return;
  }
  if (found.kind === 'reference') {
    const rule = found.module
      ? gradeModule(found.module, `${found.module}.${found.name}`, ctx, t)
      : 'KERAS-CUSTOM-OBJECT';
    const named = clip(found.module ? `${found.module}.${found.name}` : found.name);
    KERAS_RULES.report(ctx, rule ?? 'KERAS-LAMBDA-CODE', {
      message: `Lambda in ${at} calls Python function ${named}`,
      evidence: at,
      callable: named,
    });
    return;
  }
  const { names, constants, layout, codeObjects } = found.summary;
  const hits = new Set<string>();
  const gadgetRules = new Set<string>();
  for (const n of names) {
    if (t.lambdaNames.has(n)) hits.add(n);
    const g = t.gadgets.get(n);
    if (g) gadgetRules.add(g);
  }
  // String constants are only compared with module names (the argument of __import__); never reported as-is.
  for (const c of constants) if (matchesPattern(c, t.dangerousModules)) hits.add(c.split('.')[0]!);
  const detail = `marshal ${layout}, ${codeObjects} code object(s)`;
  for (const rule of gadgetRules) {
    KERAS_RULES.report(ctx, rule, {
      message: `Lambda in ${at} calls a known Keras gadget`,
      evidence: `${at}: ${detail}`,
    });
  }
  if (hits.size > 0) {
    const list = [...hits].sort().join(', ');
    KERAS_RULES.report(ctx, 'KERAS-LAMBDA-DANGEROUS-CODE', {
      message: `Lambda in ${at} uses ${clip(list)}`,
      evidence: `${at}: ${detail}; names: ${clip(list)}`,
      callable: clip(list),
    });
  } else {
    KERAS_RULES.report(ctx, 'KERAS-LAMBDA-CODE', {
      message: `Lambda in ${at} carries Python bytecode`,
      evidence: `${at}: ${detail}`,
    });
  }
}

function where(source: string, path: Path): string {
  let s = source;
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : `.${p}`;
  return clip(s);
}

function clip(s: string): string {
  return s.length > MAX_NAME ? `${s.slice(0, MAX_NAME)}…` : s;
}
