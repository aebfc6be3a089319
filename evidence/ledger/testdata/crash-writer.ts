// Child process for the crash test: appends records forever and prints `ack <seq> <digest>` after each append
// has resolved (i.e. was acknowledged). The parent kills it with SIGKILL at an arbitrary point.
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { serializeEnvelope, signEnvelope } from '../../dsse/envelope.js';
import { createKeySigner } from '../../signing/key-signer.js';
import { buildModelScanStatement } from '../../statement/build.js';
import { fakeResult, SCANNER } from '../../statement/fixtures.test-support.js';
import { Ledger } from '../ledger.js';

const [dir, keyFile] = process.argv.slice(2) as [string, string];
const signer = createKeySigner(createPrivateKey(readFileSync(keyFile)));
const ledger = Ledger.open(dir);
ledger.storePublicKey(signer);
for (let i = 0; ; i++) {
  const results = Array.from({ length: 20 + (i % 7) * 20 }, (_, j) =>
    fakeResult(`/m/${process.pid}/${i}/file-${j}.bin`, `${i}-${j}`),
  );
  const st = buildModelScanStatement(results, undefined, { reference: '/m' }, SCANNER, new Date());
  const subjects = st.subject;
  const env = await signEnvelope('application/vnd.in-toto+json', Buffer.from(JSON.stringify(st)), [signer]);
  const rec = await ledger.append(
    { kind: 'scan', bytes: serializeEnvelope(env), subjects, source: '/m' },
    signer,
  );
  process.stdout.write(`ack ${rec.seq} ${rec.envelopeSha256}\n`);
}
