// The example processor of docs/customizing.md, tested as the guide tells a team to test theirs: first
// against the real database with processStoredJob, then in a real worker process through PROCESSOR_MODULE.
import { afterAll, describe, expect, it } from 'vitest';
import { PermanentJobError } from '../../src/processing/processor.js';
import { distinctUsersProcessor, processor } from '../../src/processing/examples/distinctUsers.js';
import { eventually, insertJob, jobRows } from '../support/jobs.js';
import { startProcess, waitForOutput } from '../support/processes.js';
import { processStoredJob } from '../support/processing.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase();
const pool = db.createPool(2);
afterAll(() => pool.end());

const at = '2024-05-01T12:00:00Z';

describe('the distinct-users example processor', () => {
  it('counts events and distinct users per type, ignoring case, and drops the chosen type', async () => {
    const id = await insertJob(pool, [
      { type: 'clicked', timestamp: at, payload: { userId: 'u1' } },
      { type: 'Clicked', timestamp: at, payload: { userId: 'u1' } },
      { type: 'clicked', timestamp: at, payload: { userId: 42 } },
      { type: 'CLICKED', timestamp: at, payload: { userId: '42' } },
      { type: 'viewed', timestamp: at, payload: { page: '/' } },
      { type: 'Heartbeat', timestamp: at, payload: { userId: 'u9' } },
      { type: 'heartbeat', timestamp: at },
    ]);
    // A page of 2 events: the processor sees the job as a worker streams a large one.
    expect(await processStoredJob(pool, processor, id, { pageSize: 2 })).toEqual({
      droppedType: 'heartbeat',
      dropped: 2,
      types: [
        { eventType: 'clicked', events: 4, distinctUsers: 2 },
        { eventType: 'viewed', events: 1, distinctUsers: 0 },
      ],
    });
  });

  it('fails a job at once when a userId cannot be counted', async () => {
    const id = await insertJob(pool, [
      { type: 'clicked', timestamp: at, payload: { userId: { nested: 1 } } },
    ]);
    await expect(processStoredJob(pool, distinctUsersProcessor('none'), id)).rejects.toThrow(
      PermanentJobError,
    );
  });

  it('runs in a worker process chosen by PROCESSOR_MODULE', async () => {
    const worker = startProcess('src/entry/worker.ts', {
      ...db.env,
      PROCESSOR_MODULE: 'src/processing/examples/distinctUsers.ts',
    });
    try {
      await waitForOutput(worker, /worker started/);
      const id = await insertJob(pool, [
        { type: 'clicked', timestamp: at, payload: { userId: 'u1' } },
        { type: 'heartbeat', timestamp: at, payload: { userId: 'u1' } },
      ]);
      expect(
        await eventually(async () => (await jobRows(pool, [id]))[0]?.status === 'Succeeded', 20_000),
      ).toBe(true);
      const { rows } = await pool.query('SELECT output FROM ingestion_jobs WHERE id = $1', [id]);
      expect(rows[0].output).toEqual({
        droppedType: 'heartbeat',
        dropped: 1,
        types: [{ eventType: 'clicked', events: 1, distinctUsers: 1 }],
      });
      expect(await worker.stop()).toBe(0);
    } finally {
      await worker.stop('SIGKILL');
    }
  });
});
