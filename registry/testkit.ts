import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../cli/main.js';
import { buildSafetensors } from '../scanner/testkit/safetensors-builder.js';
import { captureIO } from '../test-support/capture-io.js';
import type { RunEvent } from './events.js';
import type { RunSummary } from './summary.js';

/** A small, clean safetensors file (a benign model weight for tests). */
export function cleanWeights(seed = 0): Uint8Array {
  const data = new Uint8Array(64).map((_, i) => (i * 7 + seed) & 0xff);
  return buildSafetensors({ w: { dtype: 'F32', shape: [4, 4] } }, { data });
}

/** A scratch folder with a signing key (from `cavra-scan keys generate`), evidence and state directories. */
export async function workspace(): Promise<{ root: string; key: string; evidence: string; state: string }> {
  const root = mkdtempSync(join(tmpdir(), 'cavra-registry-'));
  const keys = join(root, 'keys');
  if ((await run(['keys', 'generate', '--out', keys], captureIO())) !== 0)
    throw new Error('keys generate failed');
  const evidence = join(root, 'evidence');
  const state = join(root, 'state');
  mkdirSync(state);
  return { root, key: join(keys, 'signing.key'), evidence, state };
}

export function writeConfig(dir: string, yaml: string, name = 'cavra-scan.yaml'): string {
  const file = join(dir, name);
  writeFileSync(file, yaml);
  return file;
}

export interface CliRun {
  code: number;
  summary: RunSummary;
  events: RunEvent[];
  out: string;
  err: string;
  /** `planned` of a dry run. */
  planned?: { reference: string; size: number }[];
}

/** Run `cavra-scan registry ... --format json` in-process; parse the summary (stdout) and JSON log lines (stderr). */
export async function runRegistry(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  const io = captureIO(env);
  const code = await run(['registry', ...args, '--format', 'json'], io);
  let doc: { summary: RunSummary; planned?: CliRun['planned'] };
  try {
    doc = JSON.parse(io.out) as typeof doc;
  } catch {
    throw new Error(`exit ${code}, no JSON summary; stderr: ${io.err.slice(0, 2000)}`);
  }
  const events = io.err
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as RunEvent);
  return {
    code,
    summary: doc.summary,
    events,
    out: io.out,
    err: io.err,
    ...(doc.planned ? { planned: doc.planned } : {}),
  };
}

/** Artifact references with a given action in a run's log. */
export function artifacts(r: CliRun, action: 'scanned' | 'skipped' | 'failed' | 'planned'): string[] {
  return r.events
    .filter(
      (e): e is Extract<RunEvent, { event: 'artifact' }> => e.event === 'artifact' && e.action === action,
    )
    .map((e) => e.reference)
    .sort();
}

/** Every DSSE envelope's in-toto statement in an evidence directory. */
export function statements(
  evidenceDir: string,
): { predicate: Record<string, unknown>; subject: unknown[] }[] {
  const out: { predicate: Record<string, unknown>; subject: unknown[] }[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name.endsWith('.dsse.json')) {
        const env = JSON.parse(readFileSync(join(d, e.name), 'utf8')) as { payload: string };
        out.push(JSON.parse(Buffer.from(env.payload, 'base64').toString('utf8')));
      }
    }
  };
  walk(evidenceDir);
  return out;
}
