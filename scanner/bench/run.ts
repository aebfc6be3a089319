import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { densePickle } from './dense-pickle.js';
import { safetensorsFile, torchTarGzFile, torchZipFile } from './files.js';
import { registryBench } from '../../registry/bench.js';

/**
 * `npm run bench`: speed and memory figures for the targets of issues 2 and 3, each measured in a fresh child
 * process so that peak RSS belongs to one measurement. Big inputs are cached under $CAVRA_BENCH_DIR (default: the
 * temp dir). Set CAVRA_BENCH_GIB to change the size of the large files (default 1), and CAVRA_BENCH_ONLY to run some
 * sections only (comma-separated: pickle, files, registry).
 */
interface Measure {
  mode: string;
  seconds: number;
  maxRssBytes: number;
  bytes: number;
  sha256: string;
  verdict?: string;
  format?: string;
  details?: string[];
  issues?: string[];
}

const MEASURE = join(fileURLToPath(new URL('.', import.meta.url)), 'measure.js');
const dir = process.env.CAVRA_BENCH_DIR ?? join(tmpdir(), 'cavra-bench');
const gib = Number(process.env.CAVRA_BENCH_GIB ?? '1');
const MB = 1e6;
const only = (process.env.CAVRA_BENCH_ONLY ?? 'pickle,files,registry').split(',').map((s) => s.trim());

function measure(mode: 'scan' | 'hash', file: string): Measure {
  return JSON.parse(
    execFileSync(process.execPath, [MEASURE, mode, file], { encoding: 'utf8', maxBuffer: 1 << 24 }),
  ) as Measure;
}

const fmt = (n: number, d = 2) => n.toFixed(d);
const mbps = (m: Measure) => m.bytes / MB / m.seconds;
const rss = (m: Measure) => `${fmt(m.maxRssBytes / MB, 0)} MB`;

function line(label: string, m: Measure, extra = ''): void {
  console.log(
    `  ${label.padEnd(26)} ${fmt(m.seconds, 3).padStart(8)} s  ${fmt(mbps(m), 0).padStart(6)} MB/s  peak RSS ${rss(m).padStart(7)}  ${m.verdict ?? ''}${extra}`,
  );
}

function compare(name: string, file: string, target: number): void {
  const hash = measure('hash', file);
  const scan = measure('scan', file);
  if (scan.sha256 !== hash.sha256) throw new Error(`${name}: scan digest differs from hash digest`);
  console.log(`\n${name} (${fmt(scan.bytes / 2 ** 30, 2)} GiB)`);
  line('hash alone (node:crypto)', hash);
  line('scan (hash + detectors)', scan, `  [${scan.format}]`);
  if (scan.issues?.length) console.log(`  issues: ${scan.issues.join('; ')}`);
  const ratio = mbps(scan) / mbps(hash);
  console.log(
    `  ratio scan/hash ${fmt(ratio)}x (target >= ${target}x: ${ratio >= target ? 'met' : 'NOT met'}); RSS target <= 150 MB: ${scan.maxRssBytes <= 150 * MB ? 'met' : 'NOT met'}`,
  );
}

async function main(): Promise<void> {
  mkdirSync(dir, { recursive: true });
  console.log(
    `cavra-scan bench — node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${fmt(totalmem() / 2 ** 30, 0)} GiB RAM`,
  );
  console.log(`files in ${dir}`);

  if (only.includes('pickle')) pickleBench();
  if (only.includes('files')) await filesBench();
  // (e) issue 6: the `registry` job (CAVRA_BENCH_REGISTRY_ARTIFACTS, CAVRA_BENCH_REGISTRY_GIB to scale)
  if (only.includes('registry')) await registryBench();
}

/** (a) opcode-dense pickle, ~50 MB */
function pickleBench(): void {
  const { bytes, dicts } = densePickle(50 * MB);
  const pkl = join(dir, 'dense.pkl');
  writeFileSync(pkl, bytes);
  const p = measure('scan', pkl);
  const opcodes = Number((p.details?.join(' ').match(/([\d,]+) opcodes/)?.[1] ?? '0').replace(/,/g, ''));
  console.log(`\nopcode-dense pickle (${fmt(p.bytes / MB, 1)} MB, ${dicts.toLocaleString('en')} dicts)`);
  line('scan', p, `  [${p.format}]`);
  if (p.issues?.length) console.log(`  issues: ${p.issues.join('; ')}`);
  console.log(
    `  ${opcodes ? `${(opcodes / 1e6).toFixed(1)}M opcodes, ${fmt(opcodes / p.seconds / 1e6, 1)}M opcodes/s; ` : ''}targets <= 1 s: ${p.seconds <= 1 ? 'met' : 'NOT met'}, <= 150 MB: ${p.maxRssBytes <= 150 * MB ? 'met' : 'NOT met'}`,
  );
}

/** (b) torch zip checkpoint, (c) safetensors, (d) model.tar.gz */
async function filesBench(): Promise<void> {
  const size = Math.round(gib * 2 ** 30);
  const ckpt = await torchZipFile(join(dir, `torch-${gib}g.pt`), size);
  compare('torch zip checkpoint', ckpt, 0.85);
  compare('safetensors', await safetensorsFile(join(dir, `model-${gib}g.safetensors`), size), 0.85);
  compare(
    'model.tar.gz (torch checkpoint inside)',
    await torchTarGzFile(join(dir, `model-${gib}g.tar.gz`), ckpt),
    0.5,
  );
}

main().catch((err) => {
  console.error(`bench failed: ${(err as Error).message}`);
  process.exitCode = 1;
});
