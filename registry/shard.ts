import { createHash } from 'node:crypto';
import { CavraError } from '../scanner/errors.js';

/** This process's part of the work: shard `index` of `count` (0-based). */
export interface Shard {
  index: number;
  count: number;
}

export const MAX_SHARDS = 10_000;

function int(text: string, what: string): number {
  if (!/^\d{1,5}$/.test(text)) throw new CavraError('USAGE', `${what} takes a whole number, got '${text}'`);
  return Number(text);
}

/**
 * The shard from `--shard i/N` or from `--shards N` plus `JOB_COMPLETION_INDEX` (Kubernetes Indexed Jobs). With
 * neither, the whole estate is one shard. Throws CavraError USAGE (exit 3) on anything inconsistent.
 */
export function resolveShard(
  shard: string | undefined,
  shards: string | undefined,
  env: NodeJS.ProcessEnv,
): Shard {
  if (shard !== undefined && shards !== undefined)
    throw new CavraError('USAGE', 'give --shard i/N or --shards N, not both');
  let index = 0;
  let count = 1;
  if (shard !== undefined) {
    const m = /^(\d{1,5})\/(\d{1,5})$/.exec(shard);
    if (!m) throw new CavraError('USAGE', `--shard takes i/N (e.g. 0/4), got '${shard}'`);
    index = Number(m[1]);
    count = Number(m[2]);
  } else if (shards !== undefined) {
    count = int(shards, '--shards');
    const fromEnv = env.JOB_COMPLETION_INDEX;
    if (fromEnv === undefined || fromEnv === '') {
      if (count !== 1)
        throw new CavraError('USAGE', '--shards needs JOB_COMPLETION_INDEX (set by Kubernetes Indexed Jobs)');
    } else index = int(fromEnv, 'JOB_COMPLETION_INDEX');
  }
  if (count < 1 || count > MAX_SHARDS)
    throw new CavraError('USAGE', `the shard count must be 1 to ${MAX_SHARDS}, got ${count}`);
  if (index >= count)
    throw new CavraError('USAGE', `shard index ${index} is out of range for ${count} shard(s)`);
  return { index, count };
}

/**
 * The shard a model belongs to: SHA-256 of `registry kind, endpoint, model name` (NUL-separated), first 48 bits,
 * modulo the shard count. Every version of a model lands in the same shard, on every run and every machine.
 */
export function shardOf(key: readonly string[], count: number): number {
  if (count <= 1) return 0;
  const h = createHash('sha256').update(key.join('\0'), 'utf8').digest();
  return h.readUIntBE(0, 6) % count;
}

export function inShard(key: readonly string[], shard: Shard): boolean {
  return shardOf(key, shard.count) === shard.index;
}
