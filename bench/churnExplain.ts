// Where a claim and a completion spend their time, as EXPLAIN (ANALYZE, BUFFERS, WAL) sees it, on a
// database of the churn workload (or any database with pending jobs):
//   node --import tsx bench/churnExplain.ts <database url> [rounds] [--plans] [--every=N] [--no-jit] [--insert=N]
// Claims WORKER_BATCH_SIZE (50) jobs as a worker would and completes them, `rounds` times (committed),
// and prints per statement the time, shared-buffer hits, reads, pages dirtied, WAL records, full-page
// images and bytes, averaged over the rounds after the first; with --plans, the last round's plans; with
// --every=N, the averages of every N rounds (how the cost grows as claimed jobs leave dead entries);
// with --no-jit, JIT compilation off (with a backlog of 50,000 or more jobs the claim's estimated cost
// passes jit_above_cost and each claim then spends about half a second compiling).
// With --insert=N, first stores N pending one-event jobs as the churn workload does (its insert, ids
// and VACUUM ANALYZE), so the same measurement runs on a freshly migrated database and on a kept one.
// Run it while no worker is running. Issue 13 part 4 (docs/performance.md).
import pg from 'pg';
import { sqlStatement } from '../src/data/sql.js';
import { jobIdCreate } from '../src/domain/jobId.js';
import { insertNewJobs } from './workloads/churn.js';

interface PlanNode {
  'Node Type'?: string;
  'Subplan Name'?: string;
  'CTE Name'?: string;
  Plans?: PlanNode[];
  'Actual Total Time'?: number;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  'Shared Dirtied Blocks'?: number;
  'WAL Records'?: number;
  'WAL FPI'?: number;
  'WAL Bytes'?: number;
}
interface Explained {
  Plan: PlanNode;
  'Execution Time': number;
  Triggers?: Array<{ 'Trigger Name': string; Time: number; Calls: number }>;
}

const [url, roundsText] = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
if (!url) throw new Error('usage: churnExplain.ts <database url> [rounds] [--plans]');
const rounds = Number(roundsText ?? 10);
const plans = process.argv.includes('--plans');
const every = Number(process.argv.find((arg) => arg.startsWith('--every='))?.slice(8) ?? 0);
const claim = sqlStatement('jobsClaim').text;
const succeed = sqlStatement('jobsSucceed').text;

const client = new pg.Client({ connectionString: url });
await client.connect();
if (process.argv.includes('--no-jit')) await client.query('SET jit = off');
const insert = Number(process.argv.find((arg) => arg.startsWith('--insert='))?.slice(9) ?? 0);
if (insert > 0) {
  await insertNewJobs(client, insert, () => jobIdCreate());
  await client.query('VACUUM ANALYZE ingestion_jobs, raw_events');
}
const totals: Record<string, Record<string, number>> = {};
// A data-modifying CTE that nothing reads (the results' INSERT) runs after the main plan, and its
// buffers and WAL are not part of the top node's: they are added here.
const unread = (plan: PlanNode): PlanNode[] => {
  const scanned = new Set<string>();
  const walk = (node: PlanNode) => {
    if (node['Node Type'] === 'CTE Scan' && node['CTE Name']) scanned.add(node['CTE Name']);
    node.Plans?.forEach(walk);
  };
  walk(plan);
  return (plan.Plans ?? []).filter(
    (node) => node['Subplan Name']?.startsWith('CTE ') && !scanned.has(node['Subplan Name'].slice(4)),
  );
};
const add = (label: string, e: Explained) => {
  const t = (totals[label] ??= {});
  const nodes = [e.Plan, ...unread(e.Plan)];
  const sum = (key: keyof PlanNode) => nodes.reduce((total, node) => total + ((node[key] as number) ?? 0), 0);
  const fields: Record<string, number> = {
    ms: e['Execution Time'],
    hit: sum('Shared Hit Blocks'),
    read: sum('Shared Read Blocks'),
    dirtied: sum('Shared Dirtied Blocks'),
    walRecords: sum('WAL Records'),
    walFpi: sum('WAL FPI'),
    walBytes: sum('WAL Bytes'),
    triggerMs: (e.Triggers ?? []).reduce((sum, trigger) => sum + trigger.Time, 0),
  };
  for (const [key, value] of Object.entries(fields)) t[key] = (t[key] ?? 0) + value;
};
const explain = async (text: string, values: unknown[], format: 'JSON' | 'TEXT') => {
  const { rows } = await client.query(`EXPLAIN (ANALYZE, BUFFERS, WAL, FORMAT ${format}) ${text}`, values);
  return format === 'JSON'
    ? (rows[0] as { 'QUERY PLAN': Explained[] })['QUERY PLAN'][0]!
    : rows.map((row: Record<string, string>) => row['QUERY PLAN']).join('\n');
};
try {
  const print = (measured: number, prefix = '') => {
    for (const [label, t] of Object.entries(totals)) {
      const per = (key: string) => (t[key]! / measured).toFixed(key === 'ms' || key === 'triggerMs' ? 2 : 0);
      process.stdout.write(
        `${prefix}${label} (per 50 jobs, mean of ${measured}): ${per('ms')} ms (triggers ${per('triggerMs')} ms), ` +
          `hit ${per('hit')}, read ${per('read')}, dirtied ${per('dirtied')}, ` +
          `WAL ${per('walRecords')} records, ${per('walFpi')} FPI, ${per('walBytes')} B\n`,
      );
    }
  };
  for (let round = 0; round < rounds; round += 1) {
    if (every > 0 && round > 0 && round % every === 0) {
      print(every, `rounds ${round - every + 1}-${round}: `);
      for (const key of Object.keys(totals)) delete totals[key];
    }
    const worker = `explain/${round}`;
    const last = plans && round === rounds - 1;
    const claimArgs = [worker, 50, 300, ''];
    if (last) process.stdout.write(`--- claim\n${(await explain(claim, claimArgs, 'TEXT')) as string}\n`);
    else {
      const e = (await explain(claim, claimArgs, 'JSON')) as Explained;
      if (round > 0) add('claim', e);
    }
    const { rows } = await client.query<{ id: string }>(
      "SELECT id FROM ingestion_jobs WHERE locked_by = $1 AND status = 'Processing'",
      [worker],
    );
    if (rows.length === 0) throw new Error('no pending job to claim');
    const succeedArgs = [worker, rows.map((row) => row.id)];
    if (last)
      process.stdout.write(`--- complete\n${(await explain(succeed, succeedArgs, 'TEXT')) as string}\n`);
    else {
      const e = (await explain(succeed, succeedArgs, 'JSON')) as Explained;
      if (round > 0) add('complete', e);
    }
  }
  if (every === 0) print(plans ? rounds - 2 : rounds - 1);
} finally {
  await client.end();
}
