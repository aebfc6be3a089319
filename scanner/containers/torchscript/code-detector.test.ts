import { describe, expect, it } from 'vitest';
import { CHUNK_SIZES, formats, ruleIds, scanAt } from '../../testkit/container-scan.js';
import { torchStateDictPickle } from '../../testkit/torch-pickle.js';
import { buildZip, type ZipMember } from '../../testkit/zip-builder.js';

const TINYNET = `class TinyNet(Module):
  __parameters__ = []
  __buffers__ = []
  training : bool
  fc1 : __torch__.torch.nn.modules.linear.Linear
  def forward(self: __torch__.TinyNet,
    x: Tensor) -> Tensor:
    fc1 = self.fc1
    _0 = ops.prim.NumToTensor(torch.size(x, 0))
    return torch.relu((fc1).forward(x, ))
`;
const EMPTY_PICKLE = new Uint8Array([0x80, 0x02, 0x29, 0x2e]);

/** torch.jit.save layout: tensors first, then data.pkl, code/ with .debug_pkl pickles, constants.pkl. */
function scripted(code: string, extra: ZipMember[] = []): Uint8Array {
  return buildZip([
    { name: 'archive/data/0', data: new Uint8Array(16).map((_, i) => i * 17 + 3) },
    { name: 'archive/data.pkl', data: torchStateDictPickle(4) },
    { name: 'archive/code/__torch__.py', data: code, method: 8 },
    { name: 'archive/code/__torch__.py.debug_pkl', data: EMPTY_PICKLE, method: 8 },
    { name: 'archive/constants.pkl', data: EMPTY_PICKLE },
    { name: 'archive/version', data: '3\n' },
    ...extra,
  ]);
}

describe('TorchScript archives and code', () => {
  it.each(CHUNK_SIZES)(
    'a scripted module is torchscript with code read as TorchScript and no findings (chunk %i)',
    async (chunk) => {
      const r = await scanAt(scripted(TINYNET), chunk);
      expect(r.format).toBe('torchscript');
      expect(formats(r)).toMatchObject({
        'archive/data/0': 'data',
        'archive/code/__torch__.py': 'torchscript-code',
        'archive/code/__torch__.py.debug_pkl': 'pickle',
        'archive/constants.pkl': 'pickle',
      });
      expect(ruleIds(r)).toEqual([]);
      expect(r.coverage.issues).toEqual([]);
    },
  );

  it.each(CHUNK_SIZES)(
    'reports OS access, dynamic code, dunder escapes and custom ops (chunk %i)',
    async (chunk) => {
      const evil = `${TINYNET}    _1 = os.system("id")\n    # type: (int) -> __import__('os').popen('id')\n    _2 = x.__globals__\n    _3 = torch.ops.evil_ns.run(x)\n`;
      const r = await scanAt(scripted(evil), chunk);
      expect(ruleIds(r)).toEqual([
        'TORCHSCRIPT-CUSTOM-OP',
        'TORCHSCRIPT-DUNDER-ESCAPE',
        'TORCHSCRIPT-DYNAMIC-CODE',
        'TORCHSCRIPT-SYSTEM-ACCESS',
      ]);
      expect(r.verdict).toBe('malicious');
      const sys = r.findings.find((f) => f.ruleId === 'TORCHSCRIPT-SYSTEM-ACCESS');
      expect(sys?.callable).toBe('os.system');
      expect(sys?.location.member).toBe('archive/code/__torch__.py');
      expect(JSON.stringify(r.findings)).not.toContain('"id"');
    },
  );

  it('ordinary Python under code/ in a non-torch zip is not treated as TorchScript', async () => {
    const r = await scanAt(
      buildZip([{ name: 'project/code/train.py', data: 'import os\nos.path.join("a")\n' }]),
      7,
    );
    expect(formats(r)['project/code/train.py']).toBe('text');
    expect(ruleIds(r)).toEqual([]);
  });

  it('binary content in a code member is an issue, not silently clean', async () => {
    const r = await scanAt(
      scripted(TINYNET, [{ name: 'archive/code/__torch__/x.py', data: new Uint8Array([0x63, 0, 1, 2]) }]),
      7,
    );
    expect(r.coverage.issues.map((i) => i.code)).toEqual(['PARSE_ERROR']);
  });
});
