import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CavraError } from '../scanner/errors.js';
import { inconclusiveResult } from '../scanner/inconclusive-result.js';
import { packageRoot } from '../scanner/rules/package-root.js';
import {
  SCAN_THREAD_BUNDLE,
  SCAN_THREAD_ENTRY,
  type FromScanThread,
  type ScanJob,
  type ScanJobOutcome,
  type ScanThreadInit,
  type ToScanThread,
} from './scan-thread-protocol.js';

/**
 * Young generation of each scan thread, in MB. A thread allocates little per byte (artifact bodies are read into a
 * reused ring, connectors/http/lean-get.ts), so V8's default young generation mostly adds memory: measured with
 * `npm run bench` at `--concurrency 2`, 216 MB peak RSS with the default and 186 MB at 6 MB, for the same CPU.
 */
const YOUNG_GENERATION_MB = 6;

interface Thread {
  worker: Worker;
  jobs: Map<number, { artifact: string; resolve: (o: ScanJobOutcome) => void }>;
}

/**
 * The registry job's scan threads: up to `size` worker threads, started on first use, each streaming whole
 * artifacts (download, hash, scan) on its own event loop. A job goes to an idle thread, a new one while fewer than
 * `size` run, else the least busy (a thread streams several artifacts at once when more are in flight). A thread that dies (an uncaught error, out of memory) fails its jobs as inconclusive INTERNAL_ERROR
 * results, never silently, and is replaced on the next job.
 */
export class ScanThreads {
  private readonly threads: Thread[] = [];
  private nextId = 1;
  private closed = false;

  constructor(
    readonly size: number,
    private readonly init: ScanThreadInit,
  ) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`thread count must be >= 1, got ${size}`);
  }

  /** Stream one artifact in a thread; never rejects (a failure is an inconclusive result). */
  scan(job: Omit<ScanJob, 'id'>): Promise<ScanJobOutcome> {
    if (this.closed) return Promise.resolve(lost(job.artifact.reference, 'the scan threads are closed'));
    let thread: Thread;
    try {
      thread = this.pick();
    } catch (err) {
      return Promise.resolve(
        lost(job.artifact.reference, `cannot start a scan thread: ${(err as Error).message}`),
      );
    }
    const id = this.nextId++;
    return new Promise<ScanJobOutcome>((resolve) => {
      thread.jobs.set(id, { artifact: job.artifact.reference, resolve });
      const m: ToScanThread = { op: 'scan', job: { ...job, id } };
      thread.worker.postMessage(m);
    });
  }

  /**
   * Start every thread now rather than on first use, so that their start-up (an isolate loading the scanner, about
   * 0.25 s of CPU each) overlaps the main thread's listing instead of delaying the first scan.
   */
  warm(): void {
    try {
      while (!this.closed && this.threads.length < this.size) this.spawn();
    } catch {
      // A thread that cannot start now is started (or reported as INTERNAL_ERROR) by the first scan that needs it.
    }
  }

  /** Threads running now. */
  get started(): number {
    return this.threads.length;
  }

  /** Abort every running scan (the run was cancelled); each still answers, with what it read. */
  cancel(): void {
    const m: ToScanThread = { op: 'cancel' };
    for (const t of this.threads) t.worker.postMessage(m);
  }

  async close(): Promise<void> {
    this.closed = true;
    const threads = this.threads.splice(0);
    await Promise.all(threads.map((t) => t.worker.terminate()));
    for (const t of threads) fail(t, 'the scan threads were closed during the scan');
  }

  private pick(): Thread {
    let best: Thread | undefined;
    for (const t of this.threads) if (!best || t.jobs.size < best.jobs.size) best = t;
    if (best && (best.jobs.size === 0 || this.threads.length >= this.size)) return best;
    return this.spawn();
  }

  private spawn(): Thread {
    const worker = new Worker(threadEntry(), {
      workerData: this.init,
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
    });
    const thread: Thread = { worker, jobs: new Map() };
    worker.on('message', (m: FromScanThread) => {
      const job = thread.jobs.get(m.id);
      if (!job) return;
      thread.jobs.delete(m.id);
      job.resolve(m.outcome);
    });
    const down = (why: string) => {
      const i = this.threads.indexOf(thread);
      if (i >= 0) this.threads.splice(i, 1);
      fail(thread, why);
    };
    worker.on('error', (err) => down(`the scan thread failed: ${err.message}`));
    worker.on('exit', (code) => down(`the scan thread exited with code ${code}`));
    this.threads.push(thread);
    return thread;
  }
}

function lost(reference: string, why: string): ScanJobOutcome {
  return { result: inconclusiveResult(reference, 'INTERNAL_ERROR', why), timedOut: false };
}

function fail(thread: Thread, why: string): void {
  for (const job of thread.jobs.values()) job.resolve(lost(job.artifact, why));
  thread.jobs.clear();
}

/**
 * The thread's entry file: the bundled entry when `npm run build` made it, else the plain one. From dist/ both sit
 * beside this module; from TypeScript sources (vitest) they are the built copies in dist/, since a worker thread
 * cannot load TypeScript on Node 20 (`npm test` builds first).
 */
function threadEntry(): URL {
  const dir = import.meta.url.endsWith('.js')
    ? fileURLToPath(new URL('.', import.meta.url))
    : join(packageRoot(), 'dist', 'registry');
  for (const name of [SCAN_THREAD_BUNDLE, SCAN_THREAD_ENTRY]) {
    const file = join(dir, name);
    if (existsSync(file)) return pathToFileURL(file);
  }
  throw new CavraError('INTERNAL', `${join(dir, SCAN_THREAD_ENTRY)} is missing: run \`npm run build\` first`);
}
