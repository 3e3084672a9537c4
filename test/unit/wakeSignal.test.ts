import { describe, expect, it } from 'vitest';
import { WakeSignal } from '../../src/worker/wakeSignal.js';

describe('WakeSignal', () => {
  it('hands announced jobs to one waiting loop and lets the others sleep on', async () => {
    const signal = new WakeSignal();
    const first = signal.wait(60_000);
    const second = signal.wait(60_000);
    signal.announce(['a', 'b']);
    expect(await first).toEqual(['a', 'b']);
    // The other loop is not woken for jobs the first one claims: it sleeps on until the next wake-up.
    const asleep = new Promise((resolve) => setTimeout(() => resolve('asleep'), 20));
    expect(await Promise.race([second.then(() => 'woken'), asleep])).toBe('asleep');
    signal.wake();
    expect(await second).toBeUndefined();
  });

  it('remembers an announcement no loop was waiting for, as a plain wake-up', async () => {
    const signal = new WakeSignal();
    signal.announce(['a']);
    expect(await signal.wait(60_000)).toBeUndefined();
  });

  it('wakes every waiting loop without ids', async () => {
    const signal = new WakeSignal();
    const waits = [signal.wait(60_000), signal.wait(60_000)];
    signal.wake();
    expect(await Promise.all(waits)).toEqual([undefined, undefined]);
  });
});
