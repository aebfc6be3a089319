import { describe, expect, it } from 'vitest';
import { recordingContext } from '../../testkit/fake-context.js';
import { kerasBase64, marshalCode } from '../../testkit/marshal-builder.js';
import { checkKerasConfig, isKerasConfig } from './config-check.js';
import { kerasConfigCheck } from './json-check.js';

const dense = {
  module: 'keras.layers',
  class_name: 'Dense',
  config: {
    units: 3,
    kernel_initializer: {
      module: 'keras.initializers',
      class_name: 'GlorotUniform',
      config: { seed: null },
      registered_name: null,
    },
  },
  registered_name: null,
};
const v3 = (...layers: unknown[]) => ({
  module: 'keras',
  class_name: 'Sequential',
  config: { name: 'seq', layers },
  registered_name: null,
});
const h5 = (...layers: unknown[]) => ({ class_name: 'Sequential', config: { name: 'seq', layers } });
const evil = kerasBase64(marshalCode({ names: ['__import__', 'system'], consts: [null, 'os', 'echo hi'] }));
const harmless = kerasBase64(marshalCode({ names: [], consts: [null, 2] }, '3.8'));

function run(doc: unknown, extensions = {}) {
  const ctx = recordingContext(extensions);
  const stats = checkKerasConfig(doc, ctx, 'model_config');
  return { ctx, stats, rules: ctx.findings.map((f) => `${f.ruleId}:${f.severity}`) };
}

describe('checkKerasConfig', () => {
  it('reports nothing for built-in Keras layers (v3 and h5 shapes)', () => {
    expect(run(v3(dense)).rules).toEqual([]);
    expect(run(h5({ class_name: 'Dense', config: { units: 3 } })).rules).toEqual([]);
  });

  it('grades a Keras 2 Lambda ([code, defaults, closure]) that imports os as critical, without leaking constants', () => {
    const { ctx, rules, stats } = run(
      h5({
        class_name: 'Lambda',
        config: { function: [evil, null, null], function_type: 'lambda', module: '__main__' },
      }),
    );
    expect(rules).toEqual(['KERAS-LAMBDA-DANGEROUS-CODE:critical']);
    expect(stats.lambdas).toBe(1);
    const f = ctx.findings[0]!;
    expect(f.callable).toBe('__import__, os, system');
    expect(JSON.stringify(f)).not.toContain('echo hi');
    expect(f.evidence).toContain('model_config.config.layers[0].function');
  });

  it('grades arithmetic-only Lambda bytecode as medium and a plain base64 string the same way', () => {
    expect(
      run(h5({ class_name: 'Lambda', config: { function: [harmless, null, null], function_type: 'lambda' } }))
        .rules,
    ).toEqual(['KERAS-LAMBDA-CODE:medium']);
    expect(
      run(h5({ class_name: 'Lambda', config: { function: harmless, function_type: 'lambda' } })).rules,
    ).toEqual(['KERAS-LAMBDA-CODE:medium']);
  });

  it('reports an undecodable Lambda as medium', () => {
    const r = run(
      h5({
        class_name: 'Lambda',
        config: { function: ['not base64 !!', null, null], function_type: 'lambda' },
      }),
    );
    expect(r.rules).toEqual(['KERAS-LAMBDA-UNDECODABLE:medium']);
    expect(
      run(
        h5({
          class_name: 'Lambda',
          config: { function: [Buffer.from('garbage').toString('base64')], function_type: 'lambda' },
        }),
      ).rules,
    ).toEqual(['KERAS-LAMBDA-UNDECODABLE:medium']);
  });

  it('checks a Keras 3 __lambda__ object wherever it appears, and output_shape lambdas', () => {
    const fn = { class_name: '__lambda__', config: { code: evil, defaults: null, closure: null } };
    expect(
      run(
        v3({ module: 'keras.layers', class_name: 'Lambda', config: { function: fn }, registered_name: null }),
      ).rules,
    ).toEqual(['KERAS-LAMBDA-DANGEROUS-CODE:critical']);
    expect(run(v3({ ...dense, config: { activation: fn } })).rules).toEqual([
      'KERAS-LAMBDA-DANGEROUS-CODE:critical',
    ]);
    expect(
      run(
        h5({
          class_name: 'Lambda',
          config: {
            function: [harmless],
            function_type: 'lambda',
            output_shape: [evil],
            output_shape_type: 'lambda',
          },
        }),
      ).rules,
    ).toEqual(['KERAS-LAMBDA-CODE:medium', 'KERAS-LAMBDA-DANGEROUS-CODE:critical']);
  });

  it('flags module references outside Keras (CVE-2025-1550): dangerous critical, unknown medium', () => {
    expect(
      run(v3({ module: 'builtins', class_name: 'function', config: 'exec', registered_name: 'function' }))
        .rules,
    ).toEqual(['KERAS-DANGEROUS-MODULE:critical']);
    expect(run(v3({ module: 'os.path', class_name: 'Thing', config: {} })).rules).toEqual([
      'KERAS-DANGEROUS-MODULE:critical',
    ]);
    expect(
      run(v3({ module: 'acme_layers', class_name: 'MyLayer', config: {}, registered_name: 'acme>MyLayer' }))
        .rules,
    ).toEqual(['KERAS-CUSTOM-OBJECT:medium']);
    expect(
      run(v3({ module: null, class_name: 'MyLayer', config: {}, registered_name: 'subprocess>Popen' })).rules,
    ).toEqual(['KERAS-DANGEROUS-MODULE:critical']);
    expect(run(v3({ ...dense, module: 'keras.src.layers.core.dense' })).rules).toEqual([]);
  });

  it('applies the policy allow and deny lists', () => {
    const custom = v3({ module: 'acme_layers.blocks', class_name: 'MyLayer', config: {} });
    expect(run(custom, { allowKerasModules: ['acme_layers.*'] }).rules).toEqual([]);
    expect(run(v3(dense), { denyKerasModules: ['keras.layers.Dense'] }).rules).toEqual([
      'KERAS-DENIED-MODULE:critical',
    ]);
  });

  it('recognises the known gadgets (CVE-2025-8747, CVE-2025-9906, CVE-2025-49655)', () => {
    expect(
      run(
        v3({
          module: 'keras.utils',
          class_name: 'function',
          config: 'get_file',
          registered_name: 'function',
        }),
      ).rules,
    ).toEqual(['KERAS-GET-FILE-GADGET:critical']);
    expect(
      run(v3({ module: 'keras.layers', class_name: 'TorchModuleWrapper', config: { module: 'AAAA' } })).rules,
    ).toEqual(['KERAS-TORCH-MODULE-WRAPPER:high']);
    const unsafe = kerasBase64(marshalCode({ names: ['keras', 'config', 'enable_unsafe_deserialization'] }));
    const r = run(
      h5({ class_name: 'Lambda', config: { function: [unsafe], function_type: 'lambda' } }),
    ).rules;
    expect(r).toContain('KERAS-UNSAFE-DESERIALIZATION:critical');
  });

  it('grades a Keras 2 Lambda that names a module function', () => {
    expect(
      run(
        h5({ class_name: 'Lambda', config: { function: 'system', function_type: 'function', module: 'os' } }),
      ).rules,
    ).toEqual(['KERAS-DANGEROUS-MODULE:critical']);
    expect(
      run(
        h5({
          class_name: 'Lambda',
          config: { function: 'my_fn', function_type: 'function', module: 'my_project.fns' },
        }),
      ).rules,
    ).toEqual(['KERAS-CUSTOM-OBJECT:medium']);
  });

  it('stops at the nesting limit with a coverage issue', () => {
    let deep: unknown = { class_name: 'Dense', config: {} };
    for (let i = 0; i < 300; i++) deep = { config: deep };
    const { ctx } = run(deep);
    expect(ctx.issues.map((i) => i.code)).toEqual(['LIMIT_HEADER']);
  });
});

describe('kerasConfigCheck (JSON check for .keras config.json)', () => {
  it('recognises Keras configs only', () => {
    expect(isKerasConfig(v3(dense))).toBe(true);
    expect(isKerasConfig({ class_name: 'X', config: {}, keras_version: '2.11.0' })).toBe(true);
    expect(isKerasConfig({ architectures: ['Bert'], model_type: 'bert' })).toBe(false);
    expect(isKerasConfig([1, 2])).toBe(false);
    const ctx = recordingContext();
    expect(kerasConfigCheck.check({ auto_map: {} }, ctx)).toBe(false);
    expect(kerasConfigCheck.check(v3({ module: 'os', class_name: 'function', config: 'system' }), ctx)).toBe(
      true,
    );
    expect(ctx.findings.map((f) => f.ruleId)).toEqual(['KERAS-DANGEROUS-MODULE']);
  });
});
