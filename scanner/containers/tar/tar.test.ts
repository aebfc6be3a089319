import { describe, expect, it } from 'vitest';
import { CHUNK_SIZES, formats, issueCodes, ruleIds, scanAt } from '../../testkit/container-scan.js';
import { buildTar } from '../../testkit/tar-builder.js';
import { torchStateDictPickle } from '../../testkit/torch-pickle.js';
import { buildZip } from '../../testkit/zip-builder.js';

const PAYLOAD = new TextEncoder().encode('cposix\nsystem\n(Vtouch /tmp/pwned\ntR.');

describe('tar reader', () => {
  it.each(CHUNK_SIZES)('reads members in order and scans each by content (chunk %i)', async (chunk) => {
    const torch = buildZip([
      { name: 'archive/data.pkl', data: torchStateDictPickle(4), descriptor: 'signed' },
    ]);
    const tar = buildTar([
      { name: 'model.pth', data: torch },
      { name: 'code/inference.py', data: 'import torch\n' },
      { name: 'code', type: '5' },
    ]);
    const r = await scanAt(tar, chunk);
    expect(r.format).toBe('tar');
    expect(formats(r)).toMatchObject({ 'model.pth': 'pytorch-zip', 'code/inference.py': 'text' });
    expect(r.coverage.issues).toEqual([]);
    expect(r.verdict).toBe('clean');
  });

  it('finds a payload member and keeps reading', async () => {
    const r = await scanAt(
      buildTar([
        { name: 'a.pkl', data: PAYLOAD },
        { name: 'b.txt', data: 'hello' },
      ]),
      7,
    );
    expect(r.verdict).toBe('malicious');
    expect(formats(r)['b.txt']).toBe('text');
  });

  it('A10: a legacy PyTorch tar is refined to pytorch-legacy-tar and its pickles are scanned', async () => {
    const tar = buildTar([
      { name: 'sys_info', data: new Uint8Array([0x80, 0x02, 0x7d, 0x2e]) },
      { name: 'pickle', data: PAYLOAD },
      { name: 'storages', data: new Uint8Array([0x80, 0x02, 0x4b, 0x00, 0x2e]) },
      { name: 'tensors', data: new Uint8Array([0x80, 0x02, 0x4b, 0x00, 0x2e]) },
    ]);
    const r = await scanAt(tar, 7);
    expect(r.format).toBe('pytorch-legacy-tar');
    expect(formats(r)).toMatchObject({ pickle: 'pickle', storages: 'pytorch-legacy-storages' });
    expect(r.verdict).toBe('malicious');
  });

  it('reads GNU long names and pax path/size overrides', async () => {
    const long = `${'d/'.repeat(70)}payload.pkl`;
    const r = await scanAt(buildTar([{ name: long, data: PAYLOAD }]), 7);
    expect(formats(r)[long]).toBe('pickle');
    const pax = await scanAt(
      buildTar([
        { name: 'short', data: PAYLOAD, pax: { path: 'renamed/by/pax.pkl' } },
        { name: 'after.txt', data: 'x' },
      ]),
      7,
    );
    expect(formats(pax)['renamed/by/pax.pkl']).toBe('pickle');
    expect(formats(pax)['after.txt']).toBe('text');
  });

  it('reports traversal in names and escaping links; in-archive links and devices are notes', async () => {
    const names = await scanAt(
      buildTar([
        { name: '../../tmp/x', data: 'x' },
        { name: '/etc/passwd', data: 'x' },
      ]),
      7,
    );
    expect(ruleIds(names)).toEqual(['CONTAINER-PATH-TRAVERSAL', 'CONTAINER-PATH-TRAVERSAL']);
    expect(names.verdict).toBe('malicious');
    const links = await scanAt(
      buildTar([
        { name: 'a/link', type: '2', linkname: '../../../etc/shadow' },
        { name: 'a/hard', type: '1', linkname: '../outside' },
        { name: 'a/ok', type: '2', linkname: '../b/file' },
        { name: 'dev', type: '3' },
      ]),
      7,
    );
    expect(ruleIds(links)).toEqual([
      'CONTAINER-PATH-TRAVERSAL',
      'CONTAINER-PATH-TRAVERSAL',
      'CONTAINER-SPECIAL-FILE',
      'CONTAINER-SYMLINK',
    ]);
  });

  it('fails closed on bad checksums, truncation, sparse members and data after the end', async () => {
    const bad = await scanAt(
      buildTar([
        { name: 'a.txt', data: 'x' },
        { name: 'b.pkl', data: PAYLOAD, badChecksum: true },
      ]),
      7,
    );
    expect(issueCodes(bad)).toContain('PARSE_ERROR');
    const full = buildTar([{ name: 'a.pkl', data: PAYLOAD }]);
    const cut = await scanAt(full.subarray(0, 600), 7);
    expect(issueCodes(cut)).toContain('TRUNCATED');
    const sparse = await scanAt(buildTar([{ name: 's', type: 'S', data: 'xx' }]), 7);
    expect(issueCodes(sparse)).toContain('UNSUPPORTED_FORMAT');
    const after = await scanAt(buildTar([{ name: 'a.txt', data: 'x' }], { trailing: PAYLOAD }), 7);
    expect(issueCodes(after)).toContain('PARSE_ERROR');
    const many = await scanAt(
      buildTar([
        { name: 'a', data: 'x' },
        { name: 'b', data: 'y' },
      ]),
      7,
      { maxMembers: 1 },
    );
    expect(issueCodes(many)).toContain('LIMIT_MEMBERS');
  });
});
