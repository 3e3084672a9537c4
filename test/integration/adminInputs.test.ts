// What the admin API answers to requests it cannot act on as written: a field it does not know (a typo
// in a bulk action's filter must not widen the action to every job), a value of the wrong form, and a
// tenant id of any valid length in a path. Each answer is a 400 problem naming the field and what to send.
import { describe, expect, it } from 'vitest';
import { useAdminHarness } from '../support/adminHarness.js';

const h = useAdminHarness();
const { post, expectProblem, jobs, statusOf, drain } = h;
const get = (url: string) => h.app().inject({ method: 'GET', url });

describe('a field the admin API does not know', () => {
  it('refuses a bulk cancel whose filter holds one, and cancels nothing', async () => {
    const mine = await jobs('typo-a', 2);
    const others = await jobs('typo-b', 2);
    const problem = expectProblem(await post('/admin/jobs/cancel', { tenantt: 'typo-a' }), 400);
    expect(problem.errors).toEqual({ tenantt: [expect.stringMatching(/not a field .*tenant/)] });
    for (const jobId of [...mine, ...others]) expect(await statusOf(jobId)).toBe('Pending');
    await drain();
  });

  it('refuses a bulk retry with a status, which it does not take (it retries Failed jobs only)', async () => {
    const problem = expectProblem(await post('/admin/jobs/retry', { status: 'Pending' }), 400);
    expect(problem.errors).toEqual({ status: [expect.stringMatching(/not a field/)] });
  });

  it('refuses an unknown query parameter instead of listing as if it were absent', async () => {
    const problem = expectProblem(await get('/admin/jobs?stauts=Failed'), 400);
    expect(problem.errors).toEqual({ stauts: [expect.stringMatching(/not a parameter .*status/)] });
    expectProblem(await get('/admin/tenants?pausd=true'), 400);
  });
});

describe('a value of the wrong form', () => {
  it('says what a page size, a flag and a repeated parameter must be', async () => {
    expect(expectProblem(await get('/admin/tenants?limit=abc'), 400).errors).toEqual({
      limit: ['expected a whole number from 1 to 200'],
    });
    expect(expectProblem(await get('/admin/jobs?limit=abc'), 400).errors).toEqual({
      limit: ['expected a whole number from 1 to 200'],
    });
    expect(expectProblem(await get('/admin/tenants?paused=maybe'), 400).errors).toEqual({
      paused: ['must be one of true, false'],
    });
    expect(expectProblem(await get('/admin/jobs?status=Failed&status=Pending'), 400).errors).toEqual({
      status: ['give it once; separate several values with commas'],
    });
  });

  it('answers a page size out of range and a blank tenant with the titles the other lists use', async () => {
    const range = expectProblem(await get('/admin/tenants?limit=0'), 400);
    expect(range.title).toBe('Invalid filter');
    expect(range.errors).toEqual({ limit: ['expected a whole number from 1 to 200'] });
    const blank = expectProblem(await get('/admin/tenants?tenant=%20'), 400);
    expect(blank.title).toBe('Invalid filter');
    expect(blank.errors).toEqual({ tenant: ['must not be blank'] });
  });
});

describe('a tenant id in a path', () => {
  it('pauses and resumes a tenant whose id has the full 128 characters, in any script', async () => {
    for (const tenantId of ['t'.repeat(128), 'ß'.repeat(128), '€'.repeat(128)]) {
      const path = `/admin/tenants/${encodeURIComponent(tenantId)}`;
      const paused = await post(`${path}/pause`);
      expect(paused.statusCode, paused.body).toBe(200);
      expect(paused.json()).toMatchObject({ tenantId, paused: true });
      expect((await post(`${path}/resume`)).json()).toMatchObject({ tenantId, paused: false });
    }
  });

  it('refuses a path segment longer than any tenant id or job id could be with 414', async () => {
    const problem = expectProblem(await post(`/admin/tenants/${'t'.repeat(2000)}/pause`), 414);
    expect(problem.detail).not.toMatch(/job ids/);
  });
});
