import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StoredZipWriter } from '../scanner/testkit/stored-zip-writer.js';
import { torchStateDictPickle } from '../scanner/testkit/torch-pickle.js';

/**
 * Writes the demo artifacts: small benign, suspicious, malicious and malformed files built byte by byte by
 * this project (no ML library needed). Payloads are inert strings; nothing here is ever loaded.
 */
const enc = (s: string) => Buffer.from(s, 'latin1');

/** A protocol-0 pickle that calls os.system via its POSIX name — the oldest trick. */
const REDUCE_SYSTEM = enc('cposix\nsystem\n(Vecho cavra-demo\ntR.');

/** A protocol-2 pickle of {'lr': 0.001, 'epochs': 3}, as CPython writes it. */
const HPARAMS = Buffer.from(
  '80027d71002858020000006c727101473f50624dd2f1a9fc580600000065706f63687371024b03752e',
  'hex',
);

function tensorBytes(numel: number): Uint8Array {
  const f = new Float32Array(numel);
  for (let i = 0; i < numel; i++) f[i] = Math.sin(i) * 0.02;
  return new Uint8Array(f.buffer);
}

async function torchZip(path: string, dataPkl: Uint8Array, numel: number): Promise<void> {
  const z = new StoredZipWriter(path);
  await z.add('archive/data.pkl', dataPkl.length, [dataPkl]);
  await z.add('archive/byteorder', 6, [enc('little')]);
  const t = tensorBytes(numel);
  await z.add('archive/data/0', t.length, [t]);
  await z.add('archive/version', 2, [enc('3\n')]);
  await z.close();
}

export async function generateExamples(root: string): Promise<string> {
  const out = join(root, 'artifacts');
  rmSync(out, { recursive: true, force: true });
  for (const d of ['benign', 'suspicious', 'malicious', 'malformed'])
    mkdirSync(join(out, d), { recursive: true });
  const numel = 256;
  const statePkl = torchStateDictPickle(numel);

  await torchZip(join(out, 'benign', 'state_dict.pt'), statePkl, numel);
  writeFileSync(join(out, 'benign', 'hparams.pkl'), HPARAMS);
  writeFileSync(
    join(out, 'benign', 'config.json'),
    JSON.stringify({ model_type: 'tiny', hidden_size: 16 }, null, 2),
  );

  // An unknown class: importing it runs that package's code, which we cannot vouch for.
  writeFileSync(
    join(out, 'suspicious', 'custom_block.pkl'),
    enc('\x80\x02cacme_models.layers\nCustomBlock\n)\x81.'),
  );

  writeFileSync(join(out, 'malicious', 'reduce_os_system.pkl'), REDUCE_SYSTEM);
  // The same pickle with an innocent name: routing by extension would skip it.
  writeFileSync(join(out, 'malicious', 'README.txt'), REDUCE_SYSTEM);
  // A real-looking torch checkpoint whose data.pkl runs a command before building the state dict.
  const injected = Buffer.concat([
    Buffer.from([0x80, 0x02]),
    REDUCE_SYSTEM.subarray(0, -1),
    enc('0'),
    statePkl.subarray(2),
  ]);
  await torchZip(join(out, 'malicious', 'checkpoint_injected.pt'), injected, numel);

  writeFileSync(join(out, 'malformed', 'truncated.pkl'), HPARAMS.subarray(0, 20));
  const garbage = Buffer.alloc(4096);
  for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 2654435761) >>> 24;
  garbage[0] = 0xfe;
  writeFileSync(join(out, 'malformed', 'garbage.bin'), garbage);
  return out;
}

if (process.argv[1]?.endsWith('generate.js')) {
  const root = process.argv[2] ?? 'examples';
  generateExamples(root).then((out) => process.stdout.write(`wrote demo artifacts to ${out}\n`));
}
