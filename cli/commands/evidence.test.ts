import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openEvidence } from '../../evidence/record.js';
import { createReceiver } from '../../evidence/receiver/server.js';
import { loadPublicKey } from '../../evidence/signing/keys.js';
import { fakeResult } from '../../evidence/statement/fixtures.test-support.js';
import { captureIO } from '../../test-support/capture-io.js';
import { run } from '../main.js';

const tmp = mkdtempSync(join(tmpdir(), 'cavra-cli-ev-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const keys = join(tmp, 'keys');
const ev = join(tmp, 'evidence');

async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const io = captureIO(env);
  const code = await run(args, io);
  return { code, out: io.out, err: io.err };
}

describe('cavra-scan keys / evidence', () => {
  it('keys generate writes a 0600 PKCS#8 key and an SPKI public key, and refuses to overwrite', async () => {
    const r = await cli(['keys', 'generate', '--out', keys]);
    expect(r.code).toBe(0);
    expect(statSync(join(keys, 'signing.key')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(keys, 'signing.key'), 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(readFileSync(join(keys, 'signing.pub'), 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(r.out).toMatch(/keyid: +[0-9a-f]{64}/);
    expect((await cli(['keys', 'generate', '--out', keys])).code).toBe(3);
    expect((await cli(['keys', 'generate', '--out', keys, '--type', 'ecdsa-p256'])).code).toBe(0);
  });

  it('evidence verify exits 0 on a good ledger and names the failing record otherwise', async () => {
    const s = await openEvidence({ env: { CAVRA_SIGNING_KEY: join(keys, 'signing.key') }, evidenceDir: ev });
    await s.record([fakeResult('/m/a.bin', 'a')], undefined, { reference: '/m' });
    await s.record([fakeResult('/m/b.bin', 'b')], undefined, { reference: '/m' });
    await s.close();
    const ok = await cli(['evidence', 'verify', '--public-key', join(keys, 'signing.pub'), ev]);
    expect(ok, ok.err).toMatchObject({ code: 0, out: expect.stringMatching(/^ok: 2 records verified/) });
    const viaEnv = await cli(['evidence', 'verify'], {
      CAVRA_EVIDENCE_DIR: ev,
      CAVRA_SIGNING_KEY: join(keys, 'signing.key'),
    });
    expect(viaEnv.code).toBe(0);
    expect((await cli(['evidence', 'verify', ev])).err).toMatch(/keys stored in the evidence directory/);
    const wrongKey = await cli(['evidence', 'verify', '--public-key', join(keys, 'model-signing.pub'), ev]);
    expect(wrongKey.code).toBe(1);
    const file = readdirSync(join(ev, 'records')).sort()[1]!;
    const text = readFileSync(join(ev, 'records', file), 'utf8');
    writeFileSync(
      join(ev, 'records', file),
      text.replace(/"sig":"(.)/, (_m, c: string) => `"sig":"${c === 'A' ? 'B' : 'A'}`),
    );
    const bad = await cli(['evidence', 'verify', '--public-key', join(keys, 'signing.pub'), ev]);
    expect(bad.code).toBe(1);
    expect(bad.out).toContain(`FAIL record 2 (${file}): SIGNATURE_INVALID`);
    writeFileSync(join(ev, 'records', file), text);
  });

  it('a missing or invalid key is KEY_INVALID (exit 3 for the CLI)', async () => {
    await expect(openEvidence({ env: {}, evidenceDir: ev })).rejects.toMatchObject({ code: 'KEY_INVALID' });
    await expect(
      openEvidence({ env: { CAVRA_SIGNING_KEY: join(tmp, 'nope.key') }, evidenceDir: ev }),
    ).rejects.toMatchObject({ code: 'KEY_INVALID' });
    await expect(
      openEvidence({ env: {}, keyFile: join(keys, 'signing.pub'), evidenceDir: ev }),
    ).rejects.toMatchObject({ code: 'KEY_INVALID' });
    await expect(
      openEvidence({
        env: {},
        keyFile: join(keys, 'signing.key'),
        modelSigningKeyFile: join(keys, 'signing.key'),
        evidenceDir: ev,
      }),
    ).rejects.toMatchObject({ code: 'KEY_INVALID' });
    const r = await cli(['evidence', 'verify', '--public-key', join(tmp, 'nope.pub'), ev]);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/KEY_INVALID/);
  });

  it('evidence export writes each format; flush delivers to the reference receiver', async () => {
    for (const format of ['cyclonedx', 'sarif', 'compliance']) {
      const r = await cli([
        'evidence',
        'export',
        '--format',
        format,
        '--public-key',
        join(keys, 'signing.pub'),
        ev,
      ]);
      expect(r.code).toBe(0);
      expect(() => JSON.parse(r.out)).not.toThrow();
    }
    const csv = await cli(['evidence', 'export', '--format', 'csv', ev], {
      CAVRA_SIGNING_KEY: join(keys, 'signing.key'),
    });
    expect(csv.out.split('\r\n')[1]).toContain('/m/a.bin');
    expect((await cli(['evidence', 'export', '--format', 'pdf', ev])).code).toBe(3);

    const server: Server = createReceiver({
      storeDir: join(tmp, 'store'),
      publicKeys: [loadPublicKey(join(keys, 'signing.pub'))],
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect((await cli(['evidence', 'flush', ev])).code).toBe(3);
      const r = await cli(['evidence', 'flush', '--control-plane', url, ev]);
      expect(r).toMatchObject({ code: 0, out: 'delivered 2, pending 0, rejected 0\n' });
      expect(readdirSync(join(tmp, 'store'))).toHaveLength(2);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('receiver refuses to start without a usable public key', async () => {
    const r = await cli(['receiver', '--public-key', join(tmp, 'missing.pub'), '--store', join(tmp, 's2')]);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/KEY_INVALID/);
  });
});
