import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { readFileChunks } from '../local/read-file.js';
import { scanBytes, scanStream } from '../pipeline.js';

/**
 * One measurement in a fresh process (so peak RSS belongs to this measurement alone):
 * `node measure.js scan|hash <file>` prints one JSON line.
 */
async function main(): Promise<void> {
  const [mode, file] = process.argv.slice(2);
  if (!file || (mode !== 'scan' && mode !== 'hash')) throw new Error('usage: measure.js scan|hash <file>');
  // Warm-up outside the timing: scan the file's first 4 MiB once, so that one-time costs (lazy module loads,
  // rule files parsed and schema-checked, JIT) are not counted as throughput.
  if (mode === 'scan') await scanBytes(await head(file, 4 << 20), 'warm-up');
  const t0 = performance.now();
  let out: Record<string, unknown>;
  if (mode === 'hash') {
    const h = createHash('sha256');
    let bytes = 0;
    for await (const c of readFileChunks(file)) {
      h.update(c);
      bytes += c.length;
    }
    out = { bytes, sha256: h.digest('hex') };
  } else {
    const r = await scanStream(readFileChunks(file), file);
    out = {
      bytes: r.size,
      sha256: r.sha256,
      verdict: r.verdict,
      format: r.format,
      details: r.coverage.scanned.map((e) => e.detail ?? '').filter(Boolean),
      issues: r.coverage.issues.map((i) => `${i.code}: ${i.message}`),
    };
  }
  const seconds = (performance.now() - t0) / 1000;
  process.stdout.write(JSON.stringify({ mode, seconds, maxRssBytes: peakRss(), ...out }) + '\n');
}

async function head(file: string, n: number): Promise<Uint8Array> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/**
 * Peak RSS of this process image. On Linux, VmHWM is per address space and starts fresh at exec, whereas
 * getrusage's maxrss carries over the parent's peak across fork+exec.
 */
function peakRss(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS * 1024;
}

main().catch((err) => {
  process.stderr.write(`measure failed: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
