import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HfServer } from '../connectors/testkit/hf-server.js';
import { decodeBase64 } from '../evidence/dsse/envelope.js';
import { egressPolicyOf } from '../evidence/emit/egress-allowlist.js';
import { registryRun, type RegistryRunSummary } from './harness/run.js';
import { canaryNeedles, findCanaries, makeCanaries } from './support/canaries.js';
import { startControlPlane, writeSigningKey, type TestControlPlane } from './support/control-plane.js';
import {
  bigLacedSafetensors,
  commitOf,
  lacedFiles,
  lacedSafetensors,
  PICKLE_URL,
} from './support/laced-repo.js';
import { EgressRecorder } from './support/recorder.js';

/** Bytes sent to the control plane per artifact, whatever the artifact's size (measured: well under 2 KiB). */
const BYTES_PER_ARTIFACT_BOUND = 4096;
const HUNDRED_MB = 100 * 1024 * 1024;

const canaries = makeCanaries();
const needles = canaryNeedles(canaries);
let dir: string;
let hf: HfServer;
let cp: TestControlPlane;
let keyFile: string;

interface Observed {
  summary: RegistryRunSummary;
  rec: EgressRecorder;
  cpBytes: number;
  serverBytes: number;
}

async function run(ref: string, name: string): Promise<Observed> {
  const rawBefore = cp.raw.length;
  const rec = new EgressRecorder().start();
  try {
    const summary = await registryRun({
      references: [ref],
      env: { HF_ENDPOINT: hf.url, CAVRA_EGRESS_ALLOW: hf.cdn.url },
      controlPlane: cp.url,
      keyFile,
      evidenceDir: join(dir, `ev-${name}`),
    });
    return {
      summary,
      rec,
      cpBytes: rec.bytesTo(cp.url),
      serverBytes: cp.raw.slice(rawBefore).reduce((n, b) => n + b.length, 0),
    };
  } finally {
    rec.stop();
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cavra-egress-http-'));
  const key = writeSigningKey(dir);
  keyFile = key.keyFile;
  hf = await HfServer.start({
    repos: [
      { id: 'egress/laced', sha: commitOf('egress/laced'), files: lacedFiles(canaries, true) },
      {
        id: 'egress/one-kb',
        sha: commitOf('egress/one-kb'),
        files: [{ path: 'model.safetensors', bytes: lacedSafetensors(canaries, 1024 - 192), lfs: true }],
      },
      {
        id: 'egress/hundred-mb',
        sha: commitOf('egress/hundred-mb'),
        files: [{ path: 'model.safetensors', bytes: bigLacedSafetensors(canaries, HUNDRED_MB), lfs: true }],
      },
    ],
  });
  cp = await startControlPlane(join(dir, 'store'), key.publicKey);
});

afterAll(async () => {
  await Promise.all([hf?.close(), cp?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

describe('HTTP layer: only evidence leaves, only to allow-listed destinations', () => {
  let laced: Observed;

  it('scans the laced repo (tensor bytes, pickle args, safetensors metadata, GGUF template, text file) end to end', async () => {
    laced = await run('hf://egress/laced', 'laced');
    expect(laced.summary.error).toBeUndefined();
    const byName = Object.fromEntries(laced.summary.artifacts.map((a) => [a.path.split('/').pop(), a]));
    expect(Object.keys(byName).sort()).toEqual(['README.md', 'evil.pkl', 'model.gguf', 'model.safetensors']);
    expect(byName['evil.pkl']!.verdict).toBe('malicious');
    for (const a of laced.summary.artifacts) expect(a.sha256, a.path).toMatch(/^[0-9a-f]{64}$/); // every byte was read
    expect(laced.summary.flush).toEqual({ delivered: 1, pending: 0, rejected: 0 });
    expect(cp.events.at(-1)).toMatchObject({ status: 201 });
  });

  it('contacted only the registry (hub + its CDN) and the control plane, all on the allowlist', () => {
    const policy = egressPolicyOf(laced.summary.egress);
    const dests = laced.rec.destinations();
    expect(dests.sort()).toEqual([hf.hub.url, hf.cdn.url, cp.url].sort());
    for (const d of dests) expect(policy.check(new URL(d)).allowed, d).toBe(true);
    for (const s of laced.rec.sockets)
      expect([hf.hub.url, hf.cdn.url, cp.url]).toContain(`http://${s.address}:${s.port}`);
    // Artifact bytes are downloaded by connectors/http/lean-get.ts: GETs of the hub and its CDN only.
    expect(laced.rec.downloads.length).toBeGreaterThan(0);
    for (const r of laced.rec.downloads) expect(r).toMatch(new RegExp(`^GET (${hf.hub.url}|${hf.cdn.url})/`));
    expect(laced.rec.nodeHttp).toEqual([]);
    // The URL the malicious pickle names was never contacted.
    const pickleHost = new URL(PICKLE_URL).hostname;
    expect(laced.rec.connects.filter((c) => c.hostname === pickleHost)).toEqual([]);
    expect(laced.rec.sockets.filter((s) => s.address === pickleHost)).toEqual([]);
  });

  it('no canary in any form in anything sent (client side, control-plane sockets, stored and decoded evidence)', () => {
    expect(findCanaries(laced.rec.sentBytes(cp.url), needles)).toEqual([]);
    expect(findCanaries(laced.rec.sentBytes(), needles)).toEqual([]);
    expect(findCanaries(Buffer.concat(cp.raw), needles)).toEqual([]);
    for (const f of readdirSync(join(dir, 'store'))) {
      const body = readFileSync(join(dir, 'store', f));
      const statement = decodeBase64((JSON.parse(body.toString('utf8')) as { payload: string }).payload)!;
      expect(findCanaries(body, needles), f).toEqual([]);
      expect(findCanaries(statement, needles), f).toEqual([]);
      // what the control plane learns about the pickle: rule ids and callable names, not their arguments
      expect(statement.toString('utf8')).toContain('"callable":"os.system"');
      expect(statement.toString('utf8')).toContain('"callable":"webbrowser.open"');
      expect(statement.toString('utf8')).not.toContain('127.0.0.9');
    }
    // Sanity: the needles do find the canaries where they are (in what the registry served).
    expect(findCanaries(lacedFiles(canaries, false)[1]!.bytes, needles).map((h) => h.kind)).toContain(
      'pickle',
    );
  });

  it('bytes sent to the control plane per artifact stay under a fixed bound, for 1 KB and 100 MB artifacts', async () => {
    const small = await run('hf://egress/one-kb', 'one-kb');
    const big = await run('hf://egress/hundred-mb', 'hundred-mb');
    const rows = [
      { run: 'laced repo', o: laced },
      { run: '1 KB artifact', o: small },
      { run: '100 MB artifact', o: big },
    ].map(({ run, o }) => {
      const sizes = o.summary.artifacts.map((a) => a.size);
      const found = findCanaries(o.rec.sentBytes(), needles).length;
      return {
        run,
        artifacts: sizes.length,
        artifactBytes: sizes.reduce((a, b) => a + b, 0),
        sentToControlPlane: o.cpBytes,
        receivedByControlPlane: o.serverBytes,
        perArtifact: Math.ceil(o.serverBytes / sizes.length),
        canariesFound: found,
      };
    });
    console.log(
      [
        'egress figures (HTTP layer):',
        `  destinations: ${laced.rec.destinations().join(', ')} (registry hub, registry CDN, control plane)`,
        ...rows.map(
          (r) =>
            `  ${r.run}: ${r.artifacts} artifact(s), ${r.artifactBytes} bytes read; control plane got ${r.receivedByControlPlane} bytes (${r.perArtifact} per artifact); canaries found = ${r.canariesFound}`,
        ),
      ].join('\n'),
    );
    expect(small.summary.artifacts[0]!.size).toBeLessThanOrEqual(1024);
    expect(big.summary.artifacts[0]!.size).toBeGreaterThan(HUNDRED_MB - 1024);
    expect(big.summary.artifacts[0]!.sha256).toMatch(/^[0-9a-f]{64}$/);
    for (const r of rows) {
      expect(r.perArtifact, r.run).toBeLessThan(BYTES_PER_ARTIFACT_BOUND);
      expect(r.canariesFound, r.run).toBe(0);
      expect(r.receivedByControlPlane, r.run).toBeGreaterThanOrEqual(r.sentToControlPlane);
    }
    // Size-independent: 100 000x more model bytes, (almost) the same evidence bytes.
    expect(Math.abs(rows[2]!.receivedByControlPlane - rows[1]!.receivedByControlPlane)).toBeLessThan(64);
  });
});
