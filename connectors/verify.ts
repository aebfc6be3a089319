import { createHash, type Hash } from 'node:crypto';
import type { ArtifactResult } from '../scanner/result.js';
import { computeVerdict } from '../scanner/verdict.js';
import type { RemoteArtifact } from './remote-artifact.js';

/**
 * Computes, in the same pass, the registry digests that scanStream does not (MD5 for W&B, the git blob SHA-1 of
 * small HF files) and checks every stated digest and size against the bytes actually read.
 */
export class DigestTap {
  private readonly md5: Hash | undefined;
  private readonly gitSha1: Hash | undefined;

  constructor(private readonly artifact: RemoteArtifact) {
    const wants = (a: string): boolean => artifact.digests.some((d) => d.algorithm === a);
    this.md5 = wants('md5') ? createHash('md5') : undefined;
    this.gitSha1 =
      wants('git-blob-sha1') && artifact.size !== undefined
        ? createHash('sha1').update(`blob ${artifact.size}\0`)
        : undefined;
  }

  /** Pass every chunk through this on its way to scanStream (the source itself when no extra digest is needed). */
  tap(source: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
    return this.md5 || this.gitSha1 ? this.through(source) : source;
  }

  private async *through(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    for await (const chunk of source) {
      this.md5?.update(chunk);
      this.gitSha1?.update(chunk);
      yield chunk;
    }
  }

  /** Mismatches between what the registry states and what was read (empty when all agree). */
  mismatches(result: ArtifactResult): string[] {
    if (result.sha256 === null) return []; // not read to the end: already inconclusive
    const out: string[] = [];
    const { size, digests } = this.artifact;
    if (size !== undefined && size !== result.size)
      out.push(`size mismatch: registry states ${size} bytes, read ${result.size}`);
    const computed: Record<string, string | undefined> = {
      sha256: result.sha256,
      md5: this.md5?.digest('hex'),
      'git-blob-sha1': this.gitSha1?.digest('hex'),
    };
    for (const d of digests) {
      const got = computed[d.algorithm];
      if (got !== undefined && got !== d.value.toLowerCase()) {
        out.push(`digest mismatch: registry ${d.algorithm} ${d.value}, computed ${got}`);
      }
    }
    return out;
  }
}

/** The result with one IO_ERROR coverage issue per mismatch, which makes it inconclusive unless it is malicious. */
export function withMismatches(result: ArtifactResult, mismatches: readonly string[]): ArtifactResult {
  if (mismatches.length === 0) return result;
  const issues = [
    ...result.coverage.issues,
    ...mismatches.map((message) => ({ member: '', code: 'IO_ERROR' as const, message })),
  ];
  const coverage = { ...result.coverage, complete: false, issues };
  return { ...result, coverage, verdict: computeVerdict(result.findings, coverage) };
}

/** base64 digest (W&B manifests) to lowercase hex. */
export function base64ToHex(b64: string): string {
  return Buffer.from(b64, 'base64').toString('hex');
}
