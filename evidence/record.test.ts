import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { scanPaths } from '../scanner/local/scan-paths.js';
import type { ArtifactResult } from '../scanner/result.js';
import { decodeBase64 } from './dsse/envelope.js';
import { verifyLedger } from './ledger/verify.js';
import { verifyModelSigningBundle } from './model-signing/bundle.js';
import { openEvidence } from './record.js';
import type { ModelScanStatement } from './statement/types.js';

const tmp = mkdtempSync(join(tmpdir(), 'cavra-record-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('openEvidence + record (integration with a real scan)', () => {
  it('subject digests equal sha256sum of the artifacts; model-signing bundle verifies', async () => {
    const model = join(tmp, 'my-model');
    mkdirSync(join(model, 'sub'), { recursive: true });
    writeFileSync(join(model, 'config.json'), '{"model_type":"bert"}');
    writeFileSync(join(model, 'sub', 'weights.bin'), Buffer.from([0x80, 0x02, 0x7d, 0x71, 0x00, 0x2e])); // pickle: {}
    writeFileSync(join(model, 'README.md'), '# model\n');
    const results: ArtifactResult[] = [];
    for await (const r of scanPaths([model])) results.push(r);

    const ed = generateKeyPairSync('ed25519');
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const keyFile = join(tmp, 'signing.key');
    const msKeyFile = join(tmp, 'model-signing.key');
    writeFileSync(keyFile, ed.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, { mode: 0o600 });
    writeFileSync(msKeyFile, ec.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, {
      mode: 0o600,
    });
    const dir = join(tmp, 'evidence');
    const session = await openEvidence({
      env: { CAVRA_SIGNING_KEY: keyFile, CAVRA_EVIDENCE_DIR: dir },
      modelSigningKeyFile: msKeyFile,
    });
    const rec = await session.record(
      results,
      { decision: 'allow', riskScore: 0, policy: { id: 'baseline', sha256: 'c'.repeat(64) } },
      { reference: model, registry: 'local' },
    );
    expect(session.controlPlane).toBe(false);
    expect(await session.flush()).toEqual({ delivered: 0, pending: 1, rejected: 0 });
    await session.close();

    const env = JSON.parse(readFileSync(join(dir, 'records', rec.file), 'utf8'));
    const st = JSON.parse(decodeBase64(env.payload)!.toString()) as ModelScanStatement;
    const sums = new Map(
      execFileSync(
        'sha256sum',
        results.map((r) => r.path),
      )
        .toString()
        .trim()
        .split('\n')
        .map((l) => {
          const [sum, path] = l.split(/\s+/, 2);
          return [path!, sum!] as const;
        }),
    );
    expect(st.subject).toHaveLength(3);
    for (const s of st.subject) expect(s.digest.sha256).toBe(sums.get(s.name));
    expect(st.predicate).toMatchObject({
      decision: 'allow',
      source: { reference: model, registry: 'local' },
    });

    expect(rec.modelSigning).toBeDefined();
    const bundle = JSON.parse(readFileSync(join(dir, 'records', rec.modelSigning!.file), 'utf8'));
    const v = verifyModelSigningBundle(bundle, [ec.publicKey]);
    expect(v.ok && v.statement.predicate.resources.map((r) => r.name)).toEqual([
      'README.md',
      'config.json',
      'sub/weights.bin',
    ]);
    expect(v.ok && v.statement.subject[0].name).toBe('my-model');

    expect(verifyLedger(dir, [ed.publicKey, ec.publicKey])).toMatchObject({ ok: true, records: 2 });
  });
});
