import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CHUNK_SIZES, formats, issueCodes, ruleIds, scanAt } from '../../testkit/container-scan.js';
import { torchStateDictPickle } from '../../testkit/torch-pickle.js';
import { buildTar } from '../../testkit/tar-builder.js';
import { buildZip, type ZipMember } from '../../testkit/zip-builder.js';

/** Protocol-0 pickle calling posix.system (no PROTO header, no 0x80 magic). */
const PAYLOAD = new TextEncoder().encode('cposix\nsystem\n(Vtouch /tmp/pwned\ntR.');
const TENSOR = new Uint8Array(16).map((_, i) => i * 13);

/** What torch.save writes: stored members, sizes only in signed data descriptors, data.pkl first. */
function torchZip(
  pkl: Uint8Array = torchStateDictPickle(4),
  extra: Partial<ZipMember> = {},
  root = 'archive',
): Uint8Array {
  return buildZip([
    { name: `${root}/data.pkl`, data: pkl, descriptor: 'signed', ...extra },
    { name: `${root}/data/0`, data: TENSOR, descriptor: 'signed' },
    { name: `${root}/version`, data: '3\n', descriptor: 'signed' },
  ]);
}

const isBad = (v: string) => v === 'malicious';

describe('zip reader', () => {
  it.each(CHUNK_SIZES)(
    'reads a torch.save archive as pytorch-zip, storage as data, clean (chunk %i)',
    async (chunk) => {
      const r = await scanAt(torchZip(), chunk);
      expect(r.format).toBe('pytorch-zip');
      expect(formats(r)).toEqual({
        '': 'pytorch-zip',
        'archive/data.pkl': 'pickle',
        'archive/data/0': 'data',
        'archive/version': 'text',
      });
      expect(r.coverage.issues).toEqual([]);
      expect(r.verdict).toBe('clean');
    },
  );

  it.each(CHUNK_SIZES)(
    'finds a payload in data.pkl with descriptors of every shape (chunk %i)',
    async (chunk) => {
      for (const descriptor of ['signed', 'unsigned', 'signed64', undefined] as const) {
        const r = await scanAt(torchZip(PAYLOAD, { descriptor }), chunk);
        expect(isBad(r.verdict), String(descriptor)).toBe(true);
        expect(r.findings.some((f) => f.location.member === 'archive/data.pkl')).toBe(true);
        expect(formats(r)['archive/version']).toBe('text');
      }
    },
  );

  it('A2: a protocol-0 pickle named data.txt, deflated, is found by content', async () => {
    const r = await scanAt(buildZip([{ name: 'archive/data.txt', data: PAYLOAD, method: 8 }]), 7);
    expect(formats(r)['archive/data.txt']).toBe('pickle');
    expect(r.verdict).toBe('malicious');
  });

  it('A4: CRC mismatch in local and central headers is ignored, as torch does', async () => {
    const r = await scanAt(torchZip(PAYLOAD, { badCrc: true }), 64);
    expect(r.verdict).toBe('malicious');
    expect(issueCodes(r)).toEqual([]);
  });

  it.each([0x1, 0x20, 0x40])('A5: flag bit 0x%s does not stop the read; it is reported', async (flag) => {
    const r = await scanAt(torchZip(PAYLOAD, { flags: flag }), 7);
    expect(r.verdict).toBe('malicious');
    expect(ruleIds(r)).toContain('CONTAINER-ZIP-FLAG-BITS');
    const benign = await scanAt(torchZip(undefined, { flags: flag }), 7);
    expect(benign.verdict).toBe(flag === 0x20 ? 'clean' : 'inconclusive');
    if (flag !== 0x20) expect(issueCodes(benign)).toContain('ENCRYPTED');
  });

  it('A6: local/central name mismatch is reported with both names and the payload still found', async () => {
    const r = await scanAt(
      buildZip([{ name: 'archive/data.pkl', centralName: 'archive/readme.txt', data: PAYLOAD }]),
      7,
    );
    expect(r.verdict).toBe('malicious');
    const f = r.findings.find((x) => x.ruleId === 'CONTAINER-ZIP-NAME-MISMATCH');
    expect(f?.message).toContain('archive/data.pkl');
    expect(f?.message).toContain('archive/readme.txt');
  });

  it('A7: a broken or missing central directory does not hide local entries', async () => {
    const members: ZipMember[] = [{ name: 'archive/data.pkl', data: PAYLOAD }];
    const none = await scanAt(buildZip(members, { central: 'none' }), 7);
    expect(none.verdict).toBe('malicious');
    const torchLike = await scanAt(
      buildZip([{ name: 'archive/data.pkl', data: torchStateDictPickle(4), descriptor: 'signed' }], {
        central: 'none',
      }),
      7,
    );
    expect(torchLike.coverage.issues).toEqual([]);
    const garbage = await scanAt(buildZip(members, { central: 'garbage' }), 7);
    expect(garbage.verdict).toBe('malicious');
    expect(issueCodes(garbage)).toContain('PARSE_ERROR');
  });

  it('A9: nested zip-in-zip, tar-in-zip and npz-in-zip are read recursively', async () => {
    const inner = buildZip([{ name: 'inner/data.pkl', data: PAYLOAD, method: 8 }]);
    const tar = buildTar([{ name: 'model/data.pkl', data: PAYLOAD }]);
    const npy = new Uint8Array([
      0x93,
      ...new TextEncoder().encode('NUMPY'),
      1,
      0,
      6,
      0,
      ...new TextEncoder().encode('{}    \n'),
    ]);
    const npz = buildZip([{ name: 'a.npy', data: npy }]);
    const outer = buildZip([
      { name: 'nested.zip', data: inner, method: 8 },
      { name: 'model.tar', data: tar },
      { name: 'arrays.npz', data: npz },
    ]);
    const r = await scanAt(outer, 7);
    const f = formats(r);
    expect(f['nested.zip']).toBe('pytorch-zip');
    expect(f['model.tar']).toBe('tar');
    expect(f['arrays.npz']).toBe('numpy-npz');
    const members = r.findings.map((x) => x.location.member);
    expect(members).toContain('nested.zip:inner/data.pkl');
    expect(members).toContain('model.tar:model/data.pkl');
  });

  it('A15: an extensionless torch zip is identified by content', async () => {
    const r = await scanAt(torchZip(), 65536, {}, 'weights');
    expect(r.format).toBe('pytorch-zip');
  });

  it('A17: a really encrypted member ends inconclusive with ENCRYPTED, never clean', async () => {
    const noise = new Uint8Array(300).map((_, i) => (i * 7919 + 13) % 251);
    for (const method of [0, 8]) {
      const zip = buildZip([{ name: 'secret.pkl', data: noise, flags: 0x1, method }]);
      const r = await scanAt(zip, 7);
      expect(r.verdict).toBe('inconclusive');
      expect(issueCodes(r)).toContain('ENCRYPTED');
    }
  });

  it('A18: a decompression bomb is stopped with a finding and LIMIT_RATIO; later members are still read', async () => {
    const zeros = new Uint8Array(24 * 1024 * 1024);
    const bombData = new Uint8Array(deflateRawSync(zeros));
    const zip = buildZip([
      { name: 'archive/data/0', data: bombData, method: 99 },
      { name: 'archive/data.pkl', data: PAYLOAD },
    ]);
    // Method 99 was written as-is; patch it to deflate so the stored bytes are the deflated zeros.
    patchMethod(zip, 0, 8);
    const r = await scanAt(zip, 65536);
    expect(ruleIds(r)).toContain('CONTAINER-DECOMPRESSION-BOMB');
    expect(issueCodes(r)).toContain('LIMIT_RATIO');
    expect(r.verdict).toBe('malicious');
    const alone = await scanAt(zip.subarray(0, secondLocal(zip)), 65536);
    expect(alone.verdict).toBe('inconclusive');
  });

  it('reports path traversal in names and in symlink targets', async () => {
    for (const name of ['../../tmp/x', '/etc/cron.d/x', 'C:\\Windows\\x', 'a/../../b']) {
      const r = await scanAt(buildZip([{ name, data: 'x' }]), 7);
      expect(ruleIds(r), name).toContain('CONTAINER-PATH-TRAVERSAL');
      expect(r.verdict).toBe('malicious');
    }
    const out = await scanAt(
      buildZip([{ name: 'model/link', data: '../../etc/passwd', unixMode: 0o120777 }]),
      7,
    );
    expect(ruleIds(out)).toEqual(['CONTAINER-PATH-TRAVERSAL']);
    const inside = await scanAt(buildZip([{ name: 'model/link', data: '../other', unixMode: 0o120777 }]), 7);
    expect(ruleIds(inside)).toEqual(['CONTAINER-SYMLINK']);
  });

  it('reports central entries hidden inside another member and duplicate names', async () => {
    const zip = buildZip([{ name: 'a.txt', data: 'x'.repeat(200) }], {
      extraCentral: [{ name: 'hidden.pkl', offset: 60 }],
    });
    const r = await scanAt(zip, 7);
    expect(ruleIds(r)).toContain('CONTAINER-ZIP-HIDDEN-ENTRY');
    expect(issueCodes(r)).toContain('UNREADABLE');
    const dup = await scanAt(
      buildZip([
        { name: 'a.txt', data: 'x' },
        { name: 'a.txt', data: 'y' },
      ]),
      7,
    );
    expect(ruleIds(dup)).toContain('CONTAINER-ZIP-DUPLICATE-NAME');
  });

  it('skips members with unsupported methods (known size or descriptor) and reads on', async () => {
    for (const descriptor of [undefined, 'signed'] as const) {
      const zip = buildZip([
        { name: 'a.bin', data: 'compressed-with-bzip2', method: 12, descriptor },
        { name: 'b.pkl', data: PAYLOAD },
      ]);
      const r = await scanAt(zip, 7);
      expect(issueCodes(r)).toContain('UNSUPPORTED_FORMAT');
      expect(r.verdict).toBe('malicious');
    }
  });

  it('reads ZIP64 local sizes, ZIP64 end records and 8-byte descriptors', async () => {
    const zip = buildZip(
      [
        { name: 'archive/data.pkl', data: torchStateDictPickle(4), zip64: true },
        { name: 'archive/data/0', data: TENSOR, descriptor: 'signed64' },
      ],
      { zip64End: true },
    );
    const r = await scanAt(zip, 7);
    expect(r.coverage.issues).toEqual([]);
    expect(formats(r)['archive/data/0']).toBe('data');
  });

  it('scans data after the end record as its own object', async () => {
    const r = await scanAt(buildZip([{ name: 'a.txt', data: 'hello' }], { trailing: PAYLOAD }), 7);
    expect(ruleIds(r)).toContain('CONTAINER-POLYGLOT');
    expect(formats(r)['<trailing>']).toBe('pickle');
    expect(r.verdict).toBe('malicious');
  });

  it('reports a truncated archive and the member limit', async () => {
    const zip = torchZip();
    const cut = await scanAt(zip.subarray(0, 100), 7);
    expect(issueCodes(cut)).toContain('TRUNCATED');
    const many = await scanAt(zip, 7, { maxMembers: 2 });
    expect(issueCodes(many)).toContain('LIMIT_MEMBERS');
  });
});

function patchMethod(zip: Uint8Array, localOffset: number, method: number): void {
  zip[localOffset + 8] = method;
  const view = Buffer.from(zip.buffer, zip.byteOffset, zip.length);
  const cd = view.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const first = view.readUInt32LE(cd + 16);
  zip[first + 10] = method;
}

function secondLocal(zip: Uint8Array): number {
  const view = Buffer.from(zip.buffer, zip.byteOffset, zip.length);
  return view.indexOf(Buffer.from([0x50, 0x4b, 0x03, 0x04]), 4);
}

describe('zip central directory cross-check', () => {
  it('reports a central directory size that differs from the bytes read', async () => {
    const zip = buildZip([{ name: 'a.txt', data: 'hello world' }]);
    const view = Buffer.from(zip.buffer, zip.byteOffset, zip.length);
    const cd = view.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    view.writeUInt32LE(5, cd + 20); // compressed size in the central entry
    const r = await scanAt(zip, 7);
    expect(issueCodes(r)).toContain('UNREADABLE');
  });
});
