/**
 * `node dist/egress-tests/harness/registry-run.js <config.json>`: one registry run (see run.ts), its summary as
 * one JSON line on stdout; exit 0, or 3 when the run stopped with an error (e.g. EGRESS_DENIED). The
 * packet-layer test runs this inside the scanner's network namespace.
 */
import { readFileSync } from 'node:fs';
import { registryRun, type RegistryRunConfig } from './run.js';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: registry-run <config.json>\n');
  process.exit(3);
}
const config = JSON.parse(readFileSync(file, 'utf8')) as RegistryRunConfig;
const summary = await registryRun(config);
process.stdout.write(JSON.stringify(summary) + '\n');
process.exitCode = summary.error ? 3 : 0;
