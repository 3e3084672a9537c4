// Scenario 12: one tenant trickles bodies while another submits. With AUTH_MODE=keys and default settings,
// tenant "trickler" keeps 16 sockets busy with its write key (anyone holding it can: write keys ship in
// clients), each declaring 1 MB and then sending one byte every 5 s, and opens a new one whenever one is
// answered; meanwhile tenant "neighbour" posts ordinary batches of about 100 KB from 4 clients for 40 s.
// Invariants: every one of the neighbour's requests is 202 and stored; each trickled body is answered
// 429 (over the tenant's share of the in-flight budget) or 408 (too slow), never a 5xx or nothing; and
// the trickling tenant is served again once it stops.
import { describe, expect, it } from 'vitest';
import { runKeysCommand } from '../../src/entry/keysCommand.js';
import { slowUpload } from '../support/slowUpload.js';
import { useFaultDatabase } from './support/faultDatabase.js';
import { ms, percentile, recordFigures } from './support/figures.js';
import { postIngestion, sleep } from './support/services.js';

const { pool, services } = useFaultDatabase(2);

const seconds = 40;
const sockets = 16;
const clients = 4;

async function writeKey(tenant: string): Promise<string> {
  const outcome = await runKeysCommand(pool, ['create', '--tenant', tenant, '--kind', 'write']);
  if (outcome.exitCode !== 0) throw new Error(outcome.stderr.join('\n'));
  return outcome.stdout.at(-1)!;
}

/** About 100 KB: 20 events of 5 KB payloads. */
const batch = (n: number) => ({
  tenantId: 'neighbour',
  events: Array.from({ length: 20 }, (_, k) => ({
    type: k % 2 ? 'viewed' : 'clicked',
    timestamp: '2024-05-01T12:00:00Z',
    payload: { n, k, pad: 'x'.repeat(5000) },
  })),
});

describe('one tenant trickling bodies', () => {
  it("answers every other tenant's request 202 while one tenant trickles on 16 sockets", async () => {
    const trickler = await writeKey('trickler');
    const neighbour = await writeKey('neighbour');
    const { service, base } = await services.api({ AUTH_MODE: 'keys' });
    const deadline = Date.now() + seconds * 1000;

    const trickled: Record<string, number> = {};
    const slowAfterMs: number[] = [];
    const trickle = async () => {
      while (Date.now() < deadline) {
        const upload = slowUpload(base, {
          tenantId: 'trickler',
          headers: { authorization: `Bearer ${trickler}` },
          declaredBytes: 1_000_000,
          firstBytes: 100,
          bytesPerTick: 1,
          tickMs: 5000,
        });
        const stop = sleep(Math.max(0, deadline - Date.now()) + 20_000).then(() => undefined);
        const answer = await Promise.race([upload.answer, stop]);
        upload.stop();
        const status = answer === undefined ? 'none' : String(answer.status);
        trickled[status] = (trickled[status] ?? 0) + 1;
        if (answer?.status === 408) slowAfterMs.push(answer.afterMs);
        // As a hostile client would, only slower than a tight loop: a new socket 200 ms after an answer.
        await sleep(200);
      }
    };

    const statuses: Record<string, number> = {};
    const latencies: number[] = [];
    const accepted: string[] = [];
    const submit = async (client: number) => {
      for (let n = 0; Date.now() < deadline; n += 1) {
        const answer = await postIngestion(base, batch(client * 100_000 + n), {
          authorization: `Bearer ${neighbour}`,
        });
        statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
        latencies.push(answer.ms);
        if (answer.status === 202) accepted.push((answer.body as { jobId: string }).jobId);
      }
    };

    await Promise.all([
      ...Array.from({ length: sockets }, () => trickle()),
      // The tricklers first, so the neighbour arrives to a budget they already hold what they may of.
      sleep(1000).then(() => Promise.all(Array.from({ length: clients }, (_, i) => submit(i)))),
    ]);

    const stored = (
      await pool.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM ingestion_jobs WHERE id = ANY($1::uuid[])',
        [accepted],
      )
    ).rows[0]!.n;
    const after = await postIngestion(
      base,
      { ...batch(0), tenantId: 'trickler' },
      { authorization: `Bearer ${trickler}` },
    );
    const metrics = await (await fetch(`${base}/metrics`)).text();
    const rejected = (reason: string) =>
      Number(
        new RegExp(`ingest_requests_rejected_total\\{reason="${reason}"\\} (\\d+)`).exec(metrics)?.[1] ?? -1,
      );
    const neighbourRequests = Object.values(statuses).reduce((a, b) => a + b, 0);
    recordFigures('12. one tenant trickling bodies', {
      seconds,
      tricklingSockets: sockets,
      trickledBodies: Object.values(trickled).reduce((a, b) => a + b, 0),
      trickledAnswers: JSON.stringify(trickled),
      tooSlowAfterMsP50: ms(percentile(slowAfterMs, 50)),
      tooSlowAfterMsMax: ms(Math.max(...slowAfterMs)),
      neighbourRequests,
      neighbourAnswers: JSON.stringify(statuses),
      neighbourMsP50: ms(percentile(latencies, 50)),
      neighbourMsP99: ms(percentile(latencies, 99)),
      neighbourStored: stored,
      tricklerAfterwards: after.status,
      rejectedTooSlow: rejected('too_slow'),
      rejectedTenantInflight: rejected('tenant_inflight'),
      rejectedOverloaded: rejected('overloaded'),
    });

    expect(neighbourRequests).toBeGreaterThan(0);
    expect(statuses).toEqual({ 202: neighbourRequests });
    expect(stored).toBe(accepted.length);
    expect(Object.keys(trickled).sort()).toEqual(['408', '429']);
    expect(rejected('overloaded')).toBe(0);
    expect(after.status).toBe(202);
    expect(await service.stop('SIGTERM')).toBe(0);
  });
});
