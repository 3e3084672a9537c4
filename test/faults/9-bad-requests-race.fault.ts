// Scenario 9 (issue 9): bad requests race with many tenants' valid ones against two real API processes.
// Every kind of value the database used to refuse after the check had accepted it (a 200-digit
// fraction, a leap second with a fraction) and every kind the check refuses (year 0000, an offset past
// ±15:59, 30 February, NUL, an unpaired surrogate, a non-UTF-8 charset, two Idempotency-Key headers) is
// sent in the middle of a burst of valid requests from 40 tenants. Invariants: every valid request is
// answered 202 and stored exactly once; every formerly refused value is stored; every bad request is a
// 4xx problem document naming its field; nothing is answered 5xx.
import { describe, expect, it } from 'vitest';
import { useFaultDatabase } from './support/faultDatabase.js';
import { ms, percentile, recordFigures } from './support/figures.js';
import { rawRequest } from './support/rawHttp.js';
import { type Answer, postIngestion } from './support/services.js';

const { pool, services } = useFaultDatabase(2);

const validRequests = 1200;
const tenants = 40;
const rounds = 3;

interface BadKind {
  name: string;
  /** The field the 4xx must name in `errors`, or a word its detail must hold. */
  names: { field: string } | { detail: RegExp };
  status: number;
  send: (base: string, n: number) => Promise<Answer>;
}

const event = (n: number, overrides: Record<string, unknown> = {}) => ({
  type: 'clicked',
  timestamp: '2024-05-01T12:00:00Z',
  payload: { n },
  ...overrides,
});

/** A JSON body sent through the raw client, so headers can repeat and charsets lie. */
async function rawPost(base: string, body: string | Buffer, headers: Record<string, string | string[]>) {
  const started = performance.now();
  const answer = await rawRequest(base, {
    method: 'POST',
    path: '/v1/ingestions',
    headers: { 'content-type': 'application/json', ...headers } as Record<string, string>,
    body,
  });
  let parsed: unknown = answer.text;
  try {
    parsed = JSON.parse(answer.text);
  } catch {
    // Not JSON: kept as text.
  }
  return {
    status: answer.status,
    contentType: String(answer.headers['content-type'] ?? ''),
    retryAfter: null,
    body: parsed,
    ms: performance.now() - started,
  };
}

/** Values the check refuses: each must be a 4xx naming its field, whatever races with it. */
const badKinds: BadKind[] = [
  ['year 0000', '0000-01-01T00:00:00Z'],
  ['offset +16:00', '2024-05-01T12:00:00+16:00'],
  ['30 February', '2024-02-30T12:00:00Z'],
  ['hour 24', '2024-05-01T24:00:00Z'],
].map(([name, timestamp]) => ({
  name: name!,
  names: { field: 'events[1].timestamp' },
  status: 400,
  send: (base: string, n: number) =>
    postIngestion(base, { tenantId: `bad-${n}`, events: [event(n), event(n, { timestamp })] }),
}));
badKinds.push(
  {
    name: 'NUL in a type',
    names: { field: 'events[0].type' },
    status: 400,
    send: (base, n) =>
      postIngestion(base, { tenantId: `bad-${n}`, events: [event(n, { type: 'a\u0000b' })] }),
  },
  {
    name: 'unpaired surrogate in a payload',
    names: { field: 'events[0].payload' },
    status: 400,
    send: (base, n) =>
      rawPost(
        base,
        `{"tenantId":"bad-${n}","events":[{"type":"t","timestamp":"2024-05-01T12:00:00Z","payload":{"s":"\\ud800"}}]}`,
        {},
      ),
  },
  {
    name: 'ISO-8859-1 body',
    names: { detail: /UTF-8/ },
    status: 415,
    send: (base, n) =>
      rawPost(
        base,
        Buffer.from(
          `{"tenantId":"caf\xe9-${n}","events":[{"type":"t","timestamp":"2024-05-01T12:00:00Z"}]}`,
          'latin1',
        ),
        { 'content-type': 'application/json; charset=iso-8859-1' },
      ),
  },
  {
    name: 'two Idempotency-Key headers',
    names: { field: 'Idempotency-Key' },
    status: 400,
    send: (base, n) =>
      rawPost(base, JSON.stringify({ tenantId: `bad-${n}`, events: [event(n)] }), {
        'idempotency-key': [`a-${n}`, `b-${n}`],
      }),
  },
);

/** Values the database used to refuse after the check accepted them: now stored like any other. */
const formerlyRefused: Array<[string, string]> = [
  ['200-digit fraction', `2024-05-01T12:00:00.${'1'.repeat(200)}Z`],
  ['leap second with a fraction', '2016-12-31T23:59:60.5Z'],
  ['leap second at the end of 9999', '9999-12-31T23:59:60.999-15:59'],
];

describe('bad requests racing valid ones', () => {
  it('answers every valid request 202 and stores it once; every bad one is a 4xx naming its field', async () => {
    const apis = [await services.api(), await services.api()];
    const valid: Array<{ tag: string; answer: Answer }> = [];
    const formerly: Array<{ tag: string; name: string; answer: Answer }> = [];
    const bad: Array<{ kind: BadKind; answer: Answer }> = [];
    let tagCounter = 0;

    for (let round = 0; round < rounds; round += 1) {
      const sends: Array<Promise<void>> = [];
      const perRound = validRequests / rounds;
      for (let i = 0; i < perRound; i += 1) {
        const n = round * perRound + i;
        const base = apis[n % apis.length]!.base;
        // A bad request (or a formerly refused one) every 25 valid ones, all in flight at once.
        if (i % 25 === 0) {
          const k = (i / 25 + round) % (badKinds.length + formerlyRefused.length);
          if (k < badKinds.length) {
            const kind = badKinds[k]!;
            sends.push(kind.send(base, n).then((answer) => void bad.push({ kind, answer })));
          } else {
            const [name, timestamp] = formerlyRefused[k - badKinds.length]!;
            const tag = `formerly-${(tagCounter += 1)}`;
            sends.push(
              postIngestion(base, {
                tenantId: `tenant-${n % tenants}`,
                events: [event(n, { timestamp, payload: { tag } })],
              }).then((answer) => void formerly.push({ tag, name, answer })),
            );
          }
        }
        const tag = `valid-${(tagCounter += 1)}`;
        const events = Array.from({ length: 1 + (n % 4) }, (_, k) =>
          event(n, { type: `t${k}`, payload: { tag, k } }),
        );
        sends.push(
          postIngestion(base, { tenantId: `tenant-${n % tenants}`, events }).then(
            (answer) => void valid.push({ tag, answer }),
          ),
        );
      }
      await Promise.all(sends);
    }

    // Stored exactly once: each tag's events belong to exactly one job.
    const { rows } = await pool.query<{ tag: string; jobs: number }>(
      `SELECT payload ->> 'tag' AS tag, count(DISTINCT job_id)::int AS jobs
       FROM raw_events WHERE payload ? 'tag' GROUP BY 1`,
    );
    const jobsByTag = new Map(rows.map((row) => [row.tag, row.jobs]));
    const tally = (answers: Answer[]) => {
      const counts: Record<string, number> = {};
      for (const a of answers) counts[a.status] = (counts[a.status] ?? 0) + 1;
      return JSON.stringify(counts);
    };
    const badNotNaming = bad.filter(({ kind, answer }) => {
      const body = answer.body as { errors?: Record<string, unknown>; detail?: string };
      return (
        answer.status !== kind.status ||
        !answer.contentType.startsWith('application/problem+json') ||
        ('field' in kind.names
          ? !body.errors || !(kind.names.field in body.errors)
          : !kind.names.detail.test(body.detail ?? ''))
      );
    });
    const validMs = valid.map((v) => v.answer.ms);

    recordFigures('9. bad requests racing valid ones', {
      apiProcesses: apis.length,
      tenants,
      validRequests: valid.length,
      validAnswers: tally(valid.map((v) => v.answer)),
      validStoredOnce: valid.filter((v) => jobsByTag.get(v.tag) === 1).length,
      formerlyRefusedRequests: formerly.length,
      formerlyRefusedAnswers: tally(formerly.map((f) => f.answer)),
      formerlyRefusedStored: formerly.filter((f) => jobsByTag.get(f.tag) === 1).length,
      badRequests: bad.length,
      badKinds: badKinds.length,
      badAnswers: tally(bad.map((b) => b.answer)),
      badNotNamingTheirField: badNotNaming.length,
      answers5xx: [...valid, ...formerly, ...bad].filter((x) => x.answer.status >= 500).length,
      validP50Ms: ms(percentile(validMs, 50)),
      validMaxMs: ms(percentile(validMs, 100)),
    });

    expect(valid.filter((v) => v.answer.status !== 202).map((v) => v.answer)).toEqual([]);
    expect(valid.filter((v) => jobsByTag.get(v.tag) !== 1)).toEqual([]);
    expect(formerly.filter((f) => f.answer.status !== 202 || jobsByTag.get(f.tag) !== 1)).toEqual([]);
    expect(new Set(bad.map((b) => b.kind.name)).size).toBe(badKinds.length);
    expect(
      badNotNaming.map(({ kind, answer }) => ({ kind: kind.name, status: answer.status, body: answer.body })),
    ).toEqual([]);
    for (const api of apis) expect(await api.service.stop('SIGTERM')).toBe(0);
  });
});
