// The queue's floor: a bare FOR UPDATE SKIP LOCKED claim-and-complete loop over a plain table with a
// partial index on queued rows. Run as its own process:
//   tsx bench/baselines/bareQueueDrain.ts <url> <jobs> <connections> <limit>
// Prints {"jobsPerSec": …}.
import pg from 'pg';

const [url, jobsArg, connectionsArg, limitArg] = process.argv.slice(2);
const jobs = Number(jobsArg);
const connections = Number(connectionsArg);
const limit = Number(limitArg);

const setup = new pg.Client({ connectionString: url });
await setup.connect();
await setup.query(`DROP TABLE IF EXISTS bare_queue;
  CREATE TABLE bare_queue (id bigserial PRIMARY KEY, status text NOT NULL DEFAULT 'queued', payload jsonb NOT NULL);
  CREATE INDEX bare_queue_queued_idx ON bare_queue (id) WHERE status = 'queued'`);
await setup.query(
  `INSERT INTO bare_queue (payload) SELECT '{"page":"/products/12345","n":1}' FROM generate_series(1, $1)`,
  [jobs],
);
await setup.query('VACUUM ANALYZE bare_queue');

const claim = {
  name: 'claim',
  text: `WITH due AS (SELECT id FROM bare_queue WHERE status = 'queued' ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
         UPDATE bare_queue AS q SET status = 'running' FROM due WHERE q.id = due.id RETURNING q.id`,
};
const complete = {
  name: 'complete',
  text: `UPDATE bare_queue SET status = 'done' WHERE id = ANY ($1::bigint[])`,
};

const clients = await Promise.all(
  Array.from({ length: connections }, async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    return client;
  }),
);
const started = performance.now();
await Promise.all(
  clients.map(async (client) => {
    for (;;) {
      const { rows } = await client.query<{ id: string }>({ ...claim, values: [limit] });
      if (rows.length === 0) return;
      await client.query({ ...complete, values: [rows.map((row) => row.id)] });
    }
  }),
);
const seconds = (performance.now() - started) / 1000;
const { rows } = await setup.query<{ n: number }>(
  `SELECT count(*)::int AS n FROM bare_queue WHERE status = 'done'`,
);
await setup.query('DROP TABLE bare_queue');
await Promise.all([...clients, setup].map((client) => client.end()));
if (rows[0]!.n !== jobs) throw new Error(`bare loop finished ${rows[0]!.n} of ${jobs}`);
console.log(JSON.stringify({ jobsPerSec: jobs / seconds }));
