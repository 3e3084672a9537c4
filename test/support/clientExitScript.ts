// A Node.js program using the client, run by test/client/clientExit.test.ts in a process of its own:
// it tracks 20 events (BATCH tags them) with a flush interval of an hour, so only the exit handling can
// send them, and then, by MODE:
// - wait: runs until signalled, with no signal handler of its own;
// - handler: runs until signalled, with its own SIGTERM handler that closes the client and exits 0;
// - end: lets the program end by itself.
import { createClient } from '../../client/src/index.js';

const client = createClient({
  baseUrl: process.env.BASE_URL!,
  tenantId: 'exit',
  flushIntervalMs: 3_600_000,
  exitFlushTimeoutMs: Number(process.env.EXIT_FLUSH_TIMEOUT_MS ?? 5000),
});
if (process.env.MODE === 'handler') {
  process.on('SIGTERM', () => {
    console.log('application handler ran');
    void client.close().then(() => {
      console.log(`closed: ${JSON.stringify(client.stats())}`);
      process.exit(0);
    });
  });
}
for (let n = 0; n < 20; n += 1) client.track({ type: 'exit', payload: { batch: process.env.BATCH, n } });
console.log('tracked');
if (process.env.MODE !== 'end') setInterval(() => undefined, 1000);
