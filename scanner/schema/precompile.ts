import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { packageRoot } from '../rules/package-root.js';
import { compileRuleFile, COMPILED_RULES_DIR } from '../rules/load.js';
import { SCHEMA_PROFILES } from './profiles.js';
import { SHIPPED_SCHEMAS } from './shipped.js';
import { PRECOMPILED_SCHEMAS_DIR, schemaKey } from './validator.js';

/**
 * Build step (`npm run build`, after tsc): precompile every shipped schema to a standalone validator
 * (dist/compiled/schemas/<key>.cjs) and every rules file to validated JSON (dist/compiled/rules/<name>.json), so a
 * run, and each registry scan thread, neither compiles schemas nor parses YAML. Both are found by content hash at run
 * time; anything edited after the build is checked the slow way. An invalid rules file fails the build.
 */
export function precompileAll(root = packageRoot()): { schemas: number; rules: number } {
  const schemaDir = join(root, PRECOMPILED_SCHEMAS_DIR);
  rmSync(schemaDir, { recursive: true, force: true });
  mkdirSync(schemaDir, { recursive: true });
  for (const s of SHIPPED_SCHEMAS) {
    const schema = JSON.parse(readFileSync(join(root, s.file), 'utf8')) as object;
    const ajv = new Ajv2020({ ...SCHEMA_PROFILES[s.profile], code: { source: true } });
    const code = standaloneCode.default(ajv, ajv.compile(schema));
    writeFileSync(
      join(schemaDir, `${schemaKey(schema, s.profile)}.cjs`),
      `// ${s.file} (${s.profile})\n${code}\n`,
    );
  }
  const rulesDir = join(root, COMPILED_RULES_DIR);
  rmSync(rulesDir, { recursive: true, force: true });
  mkdirSync(rulesDir, { recursive: true });
  const names = readdirSync(join(root, 'rules'))
    .filter((n) => n.endsWith('.yaml'))
    .map((n) => n.slice(0, -'.yaml'.length));
  for (const name of names) compileRuleFile(name, name, root);
  return { schemas: SHIPPED_SCHEMAS.length, rules: names.length };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) precompileAll();
