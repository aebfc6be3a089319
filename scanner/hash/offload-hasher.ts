import { Worker } from 'node:worker_threads';
import type { Hasher } from './hasher.js';

/**
 * The hashing thread's code, inline so that it runs the same from dist/ and from TypeScript sources under test.
 * It keeps one node:crypto SHA-256 per artifact id and acknowledges each chunk.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const hashes = new Map();
parentPort.on('message', (m) => {
  if (m.op === 'start') hashes.set(m.id, createHash('sha256'));
  else if (m.op === 'update') { hashes.get(m.id).update(new Uint8Array(m.buf)); parentPort.postMessage({ id: m.id, op: 'ack', n: m.buf.byteLength }); }
  else if (m.op === 'end') { const h = hashes.get(m.id); hashes.delete(m.id); parentPort.postMessage({ id: m.id, op: 'digest', hex: h.digest('hex') }); }
});
`;

/** Bytes handed to the hashing thread and not yet hashed, before `update` waits. */
const MAX_IN_FLIGHT = 8 * 1024 * 1024;

interface Pending {
  inFlight: number;
  waiter: (() => void) | undefined;
  done: ((hex: string) => void) | undefined;
}

let worker: Worker | undefined;
let nextId = 1;
let busy = 0;
const pending = new Map<number, Pending>();

function shared(): Worker {
  if (worker) return worker;
  const w = new Worker(WORKER_SOURCE, { eval: true });
  w.on('message', (m: { id: number; op: string; n?: number; hex?: string }) => {
    const p = pending.get(m.id);
    if (!p) return;
    if (m.op === 'ack') {
      p.inFlight -= m.n!;
      if (p.inFlight <= MAX_IN_FLIGHT && p.waiter) {
        const wake = p.waiter;
        p.waiter = undefined;
        wake();
      }
    } else if (m.op === 'digest') p.done?.(m.hex!);
  });
  w.unref();
  worker = w;
  return w;
}

/** Keep the process alive only while some artifact is being hashed (the thread is shared and lives on). */
function hold(delta: number): void {
  busy += delta;
  if (busy === 1 && delta > 0) worker?.ref();
  else if (busy === 0) worker?.unref();
}

/**
 * SHA-256 on a shared background thread, so that hashing a large artifact overlaps its scanning (and two
 * artifacts scanned concurrently use both cores). Each chunk is copied and transferred; at most MAX_IN_FLIGHT
 * bytes wait in the thread, so memory stays bounded.
 */
export function offloadHasher(): Hasher {
  const w = shared();
  const id = nextId++;
  const p: Pending = { inFlight: 0, waiter: undefined, done: undefined };
  pending.set(id, p);
  hold(+1);
  w.postMessage({ op: 'start', id });
  return {
    async update(chunk) {
      // A copy of its own (Buffer#slice would share, and transferring would detach, the caller's memory).
      const copy = new Uint8Array(chunk.length);
      copy.set(chunk);
      const buf = copy.buffer;
      p.inFlight += chunk.length;
      w.postMessage({ op: 'update', id, buf }, [buf]);
      if (p.inFlight > MAX_IN_FLIGHT) await new Promise<void>((resolve) => (p.waiter = resolve));
    },
    digest() {
      return new Promise<string>((resolve) => {
        p.done = (hex) => {
          pending.delete(id);
          hold(-1);
          resolve(hex);
        };
        w.postMessage({ op: 'end', id });
      });
    },
  };
}
