import { MAX_MARSHAL_BYTES, MarshalError, summarizeMarshal, type MarshalSummary } from './marshal.js';

/** What a Lambda's `function` (or a Keras 3 `__lambda__` object's `code`) turned out to be. */
export type LambdaFunction =
  | { kind: 'code'; summary: MarshalSummary }
  | { kind: 'undecodable'; reason: string }
  /** Keras 2 `function_type: "function"`: a named Python function in `module`. */
  | { kind: 'reference'; module: string; name: string }
  | { kind: 'none' };

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Decode Lambda bytecode without running it: Keras 2 stores `function` as a base64 string or a list
 * `[code, defaults, closure]`, Keras 3 as `{class_name: "__lambda__", config: {code}}` (passed here as `code`).
 */
export function inspectLambdaFunction(fn: unknown, functionType: unknown, module: unknown): LambdaFunction {
  if (fn === null || fn === undefined) return { kind: 'none' };
  if (functionType === 'function' && typeof fn === 'string') {
    return { kind: 'reference', module: typeof module === 'string' ? module : '', name: fn };
  }
  const code = Array.isArray(fn) ? fn[0] : fn;
  if (typeof code !== 'string') return { kind: 'undecodable', reason: 'function is not base64 text' };
  return decodeLambdaCode(code);
}

/** base64 text of `marshal.dumps(code)` -> names and constants of the code objects. */
export function decodeLambdaCode(text: string): LambdaFunction {
  const compact = text.replace(/\s+/g, '');
  if (compact.length > (MAX_MARSHAL_BYTES / 3) * 4 + 4)
    return { kind: 'undecodable', reason: 'bytecode too large' };
  if (compact.length === 0 || compact.length % 4 === 1 || !BASE64.test(compact)) {
    return { kind: 'undecodable', reason: 'function is not base64 text' };
  }
  const bytes = new Uint8Array(Buffer.from(compact, 'base64'));
  try {
    return { kind: 'code', summary: summarizeMarshal(bytes) };
  } catch (err) {
    if (err instanceof MarshalError)
      return { kind: 'undecodable', reason: `marshal: ${err.message} at byte ${err.offset}` };
    throw err;
  }
}
