// `npm run bench` (or `npm run bench -- --quick`): the workloads against the compiled build, run as the
// images run it, each next to a baseline measured in the same run. Prints a table and writes the figures
// into docs/performance.md. `--only=ingest,compression,latency,drain,sustained,metrics,fairness,adminIndexes,
// storageCpu,rlsRead,overload,churn,churnSimple,scaleOut` runs a subset (not written to the docs).
import pg from 'pg';
import { openBenchDatabase, resetTables } from './benchDatabase.js';
import { copyIngest } from './baselines/copyIngest.js';
import { buildService } from './buildService.js';
import { machineFacts, renderReport, writeReport, type Figures } from './report.js';
import { startApi } from './serviceProcesses.js';
import { drainWorkload } from './workloads/drain.js';
import { fairnessWorkload } from './workloads/fairness.js';
import { ingestWorkload } from './workloads/ingest.js';
import { compressedIngestWorkload } from './workloads/compressedIngest.js';
import { latencyWorkload } from './workloads/latency.js';
import { adminIndexCostWorkload } from './workloads/adminIndexCost.js';
import { metricsCostWorkload } from './workloads/metricsCost.js';
import { storageCpuWorkload } from './workloads/storageCpu.js';
import { sustainedWorkload } from './workloads/sustained.js';
import { churnWorkload } from './workloads/churn.js';
import { rlsReadWorkload } from './workloads/rlsRead.js';
import { overloadRun } from './workloads/overload.js';
import { scaleOutWorkload } from './workloads/scaleOut.js';
import { churnSimpleWorkload } from './workloads/churnSimple.js';

const quick = process.argv.includes('--quick');
const only = process.argv
  .find((arg) => arg.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
const wants = (name: string) => !only || only.includes(name);
const option = (name: string) =>
  process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(`--${name}=`.length);
const plan = quick
  ? {
      ingestSeconds: 5,
      sweepSeconds: 2,
      latencyJobs: 200,
      latencyRounds: 1,
      drainJobs: 20_000,
      repeats: 1,
      bareLimit1: false,
      sustainedSeconds: 20,
      metricsRounds: 1,
      metricsDrainJobs: 20_000,
      metricsIngestSeconds: 5,
      fairnessRuns: 1,
      storageRounds: 1,
      storageSeconds: 5,
      churnJobs: 100_000,
      churnDrainJobs: 20_000,
      churnRounds: 1,
      rlsRounds: 1,
      rlsSeconds: 4,
      overloadSeconds: 15,
      scaleSeconds: 4,
      scaleDrainJobs: 20_000,
      churnSimpleJobs: [100_000],
      churnSimpleRounds: 1,
    }
  : {
      ingestSeconds: 15,
      sweepSeconds: 6,
      latencyJobs: 200,
      latencyRounds: 3,
      drainJobs: 20_000,
      repeats: 3,
      bareLimit1: true,
      sustainedSeconds: 60,
      metricsRounds: 3,
      // Long enough (about 10 s) that a few scrapes fall into every drain.
      metricsDrainJobs: 100_000,
      metricsIngestSeconds: 10,
      fairnessRuns: 5,
      storageRounds: 3,
      storageSeconds: 10,
      churnJobs: 10_000_000,
      // Since migration 011 a round of 20,000 jobs took about a second, too short to measure against
      // the worker's start and the bench's 20 ms polling; 50,000 take 2 to 3 s.
      churnDrainJobs: 50_000,
      churnRounds: 5,
      rlsRounds: 3,
      rlsSeconds: 8,
      overloadSeconds: 30,
      scaleSeconds: 8,
      scaleDrainJobs: 40_000,
      churnSimpleJobs: [2_000_000, 10_000_000],
      churnSimpleRounds: 3,
    };
if (!['v4', 'v7', undefined].includes(option('churn-ids')))
  throw new Error('--churn-ids= takes v4 (random ids) or v7 (time-ordered ids)');
const churnJobs = Number(option('churn-jobs')?.replaceAll('_', '') ?? plan.churnJobs);
if (!Number.isInteger(churnJobs) || churnJobs < 1)
  throw new Error('--churn-jobs= takes a whole number of finished jobs, e.g. --churn-jobs=2000000');

const startedAt = Date.now();
const log = (message: string) =>
  process.stderr.write(`[bench ${((Date.now() - startedAt) / 1000).toFixed(0).padStart(3)} s] ${message}\n`);

log('compiling the service');
buildService();
const database = await openBenchDatabase();
const client = new pg.Client({ connectionString: database.url });
await client.connect();
try {
  log(`database: ${database.source}`);
  // The API migrates at start; one start before anything else so every workload finds the schema.
  await (await startApi(database.url)).stop();
  const figures: Figures = { machine: await machineFacts(client, database.description), quick };

  if (wants('ingest')) {
    log('ingest: 100-event batches, 32 connections, then the batch-size sweep');
    figures.ingest = await ingestWorkload(database.url, client, {
      seconds: plan.ingestSeconds,
      sweepSeconds: plan.sweepSeconds,
    });
    log('ingest baseline: COPY of the same rows');
    await resetTables(client);
    // As many rows as the main run stored: the same amount of WAL, and the checkpoints it brings.
    const copyJobs = Math.max(1000, Math.round(figures.ingest.main.accepted));
    figures.copyEventsPerSec = await copyIngest(client, copyJobs, 100);
    figures.copyEvents = copyJobs * 100;
  }
  if (wants('compression')) {
    log(`compression: 100-event batches sent plain and as gzip, ${plan.repeats} alternating round(s)`);
    figures.compressedIngest = await compressedIngestWorkload(database.url, client, {
      rounds: plan.repeats,
      seconds: plan.metricsIngestSeconds,
    });
  }
  if (wants('latency')) {
    log(
      `latency: ${plan.latencyJobs} one-event jobs 25 ms apart on an idle system, against graphile-worker, ${plan.latencyRounds} alternating round(s)`,
    );
    figures.latency = await latencyWorkload(database.url, client, {
      jobs: plan.latencyJobs,
      gapMs: 25,
      rounds: plan.latencyRounds,
      log,
    });
  }
  if (wants('drain')) {
    log(`drain: ${plan.drainJobs} one-event jobs with 1, 2, 4 worker processes, bare loop, graphile-worker`);
    figures.drain = await drainWorkload(database.url, client, {
      jobs: plan.drainJobs,
      repeats: plan.repeats,
      bareLimit1: plan.bareLimit1,
    });
  }
  if (wants('sustained')) {
    log(`sustained: ${plan.sustainedSeconds} s of ingest at the ceiling with one worker process`);
    figures.sustained = await sustainedWorkload(database.url, client, {
      seconds: plan.sustainedSeconds,
      workers: 1,
    });
  }
  if (wants('metrics')) {
    log(
      `metrics: ingest and drain with METRICS_ENABLED=false and true (scraped every 15 s and every 1 s), ${plan.metricsRounds} rounds`,
    );
    figures.metricsCost = await metricsCostWorkload(database.url, client, {
      rounds: plan.metricsRounds,
      ingestSeconds: plan.metricsIngestSeconds,
      drainJobs: plan.metricsDrainJobs,
    });
  }
  if (wants('adminIndexes')) {
    log(
      `admin indexes: ingest and drain with the admin indexes of migrations 003 and 011 and without, ${plan.metricsRounds} rounds`,
    );
    figures.adminIndexCost = await adminIndexCostWorkload(database.url, client, {
      rounds: plan.metricsRounds,
      ingestSeconds: plan.metricsIngestSeconds,
      drainJobs: plan.drainJobs,
    });
  }
  if (wants('fairness')) {
    log(
      `fairness: ${plan.drainJobs} jobs of tenant A pending, 50 of tenant B submitted after, one worker; fair and FIFO claim alternating, ${plan.fairnessRuns} run(s) each`,
    );
    figures.fairness = await fairnessWorkload(database.url, client, {
      backlog: plan.drainJobs,
      bJobs: 50,
      runs: plan.fairnessRuns,
    });
  }
  if (wants('storageCpu')) {
    log(
      `storageCpu: PostgreSQL backend CPU per stored event, API (100-event requests, 32 connections, ${plan.storageSeconds} s) against psql \\copy of the same rows, ${plan.storageRounds} alternating round(s)`,
    );
    figures.storageCpu = await storageCpuWorkload(database.url, client, {
      rounds: plan.storageRounds,
      seconds: plan.storageSeconds,
      log,
    });
  }
  if (wants('rlsRead')) {
    log(
      `rlsRead: GET a job plain, with an admin key, with a read key under row-level security, ${plan.rlsRounds} rotating round(s)`,
    );
    figures.rlsRead = await rlsReadWorkload(database.url, client, {
      rounds: plan.rlsRounds,
      seconds: plan.rlsSeconds,
    });
  }
  if (wants('overload')) {
    log(
      `overload: 256 clients posting ~870 KB batches for ${plan.overloadSeconds} s to an API whose database is slowed`,
    );
    figures.overload = await overloadRun(
      'limited',
      database.url,
      {},
      { clients: 256, seconds: plan.overloadSeconds, statementSleepSeconds: 1 },
    );
    await resetTables(client);
  }
  if (wants('scaleOut')) {
    log('scaleOut: 1, 2, 4 API processes and 1, 2, 4, 8 worker processes, directly and through PgBouncer');
    figures.scaleOut = await scaleOutWorkload(database.url, client, {
      seconds: plan.scaleSeconds,
      drainJobs: plan.scaleDrainJobs,
      log,
    });
  }
  if (wants('churn')) {
    log(
      `churn: ${churnJobs.toLocaleString('en-US')} finished jobs (filled once, in their own database), then ${plan.churnDrainJobs} new one-event jobs drained by one worker, empty and full tables alternating (${plan.churnRounds} full round(s))`,
    );
    figures.churn = await churnWorkload(database.url, client, {
      historyJobs: churnJobs,
      drainJobs: plan.churnDrainJobs,
      rounds: plan.churnRounds,
      keep: process.argv.includes('--churn-keep'),
      ids: option('churn-ids'),
    });
  }
  if (wants('churnSimple')) {
    const sizes =
      option('churn-simple-jobs')
        ?.split(',')
        .map((size) => Number(size.replaceAll('_', ''))) ?? plan.churnSimpleJobs;
    log(
      `churnSimple: for ${sizes.map((size) => size.toLocaleString('en-US')).join(' and ')} finished jobs, ${plan.churnSimpleRounds} round(s) of: a fresh empty database, a fresh filled one, each drained once (${plan.churnDrainJobs} jobs)`,
    );
    figures.churnSimple = await churnSimpleWorkload(database.url, {
      sizes,
      drainJobs: plan.churnDrainJobs,
      rounds: plan.churnSimpleRounds,
      log,
    });
  }
  const report = renderReport(figures);
  process.stdout.write(`\n${report}\n`);
  if (!only) {
    writeReport(report);
    log('figures written to docs/performance.md');
  }
  log('done');
} finally {
  await client.end();
  await database.dispose();
}
