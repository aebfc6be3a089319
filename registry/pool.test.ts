import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Pool } from './pool.js';

describe('Pool', () => {
  it('runs at most `size` tasks at once and every task to the end', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 30 }),
        async (size, delays) => {
          const pool = new Pool(size);
          let running = 0;
          let peak = 0;
          const done: Promise<number>[] = [];
          for (const [i, d] of delays.entries()) {
            const started = await pool.start(async () => {
              running++;
              peak = Math.max(peak, running);
              await new Promise((r) => setTimeout(r, d));
              running--;
              return i;
            });
            // A producer that awaits start() never has more than `size` tasks outstanding.
            expect(pool.active).toBeLessThanOrEqual(size);
            done.push(started.done);
          }
          expect(await Promise.all(done)).toEqual(delays.map((_, i) => i));
          expect(peak).toBeLessThanOrEqual(size);
          expect(peak).toBe(Math.min(size, delays.length));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('frees the slot of a task that throws', async () => {
    const pool = new Pool(1);
    const a = await pool.start(() => Promise.reject(new Error('boom')));
    await expect(a.done).rejects.toThrow('boom');
    const b = await pool.start(() => Promise.resolve(7));
    expect(await b.done).toBe(7);
  });
});
