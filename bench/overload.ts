// Issue 12, part 8: the overload a new user reported. 256 clients post ~870 KB batches for 30 s to an API
// whose database manages about two insert statements a second (a statement trigger that pg_sleep()s), once
// with the API's default admission limit and once without one (API_MAX_INFLIGHT_BYTES at its maximum).
// Reports the API's peak RSS, the accepted rate and latency, the 503s, and checks that every 202's job is
// in the database. Clients honour Retry-After, as SDKs do.
//
//   npm run bench:overload                      # both runs, 256 clients, 30 s each
//   npm run bench:overload -- --clients=64 --seconds=10 --only=limited
import { openBenchDatabase } from './benchDatabase.js';
import { buildService } from './buildService.js';
import { bigBatch, overloadRun, type RunFigures } from './workloads/overload.js';

const args = new Map(
  process.argv.slice(2).map((arg) => {
    const [name, value] = arg.replace(/^--/, '').split('=');
    return [name!, value ?? 'true'];
  }),
);
const clients = Number(args.get('clients') ?? 256);
const seconds = Number(args.get('seconds') ?? 30);
const only = args.get('only');
const statementSleepSeconds = Number(args.get('sleep') ?? 1);

const options = { clients, seconds, statementSleepSeconds };

buildService();
const database = await openBenchDatabase();
try {
  const results: RunFigures[] = [];
  const limit = args.get('limit');
  if (only !== 'unlimited')
    results.push(
      await overloadRun(
        'limited',
        database.url,
        limit === undefined ? {} : { API_MAX_INFLIGHT_BYTES: limit },
        options,
      ),
    );
  if (only !== 'limited')
    results.push(
      await overloadRun(
        'unlimited',
        database.url,
        { API_MAX_INFLIGHT_BYTES: String(16 * 1024 * 1_048_576) },
        options,
      ),
    );
  console.log(`clients ${clients}, ${seconds} s, body ${bigBatch().length} bytes`);
  for (const result of results) console.log(JSON.stringify(result));
} finally {
  await database.dispose();
}
