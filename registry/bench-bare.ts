import { createHash } from 'node:crypto';
import { LeanAgent } from '../connectors/http/lean-get.js';

/**
 * The registry bench's transport ceiling: `node bench-bare.js <url> <count>` downloads `url` `count` times over one
 * keep-alive connection with the job's HTTP client and SHA-256s every byte, and nothing else (no listing, no
 * scanner, no state, no evidence). Run once with all files and twice side by side with half each, it measures how
 * much a second stream can gain on this machine while the server shares its cores. Prints {seconds, bytes} as JSON.
 */
async function main(): Promise<void> {
  const [url, count] = process.argv.slice(2);
  const agent = new LeanAgent();
  const started = performance.now();
  let bytes = 0;
  for (let i = 0; i < Number(count); i++) {
    const res = await agent.get({
      url: new URL(url!),
      headers: {},
      headersTimeoutMs: 30_000,
      bodyTimeoutMs: 30_000,
    });
    if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
    const hash = createHash('sha256');
    for await (const chunk of res.body) {
      hash.update(chunk);
      bytes += chunk.length;
    }
    hash.digest();
  }
  agent.close();
  process.stdout.write(JSON.stringify({ seconds: (performance.now() - started) / 1000, bytes }) + '\n');
}

main().catch((err) => {
  process.stderr.write(`bench-bare failed: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
