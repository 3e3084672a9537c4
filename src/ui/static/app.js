// The jobs dashboard. Everything it shows comes from the admin API as JSON and reaches the page only
// through text nodes (el() and textContent), never as markup: a tenant named <img src=x onerror=…> is
// shown as those characters. Every filter lives in the URL, so a link reproduces the view. This file
// routes to the page the address names; each page lives in a module of its own.
import { acceptToken, showMessage } from './api.js';
import { jobPage } from './job.js';
import { findJobId } from './jobId.js';
import { jobsPage } from './jobs.js';
import { overviewPage } from './overview.js';
import { tenantsPage } from './tenants.js';
import { workersPage } from './workers.js';

const main = document.getElementById('main');

async function render() {
  const path = location.pathname.replace(/\/+$/, '');
  const jobMatch = /^\/ui\/jobs\/([^/]+)$/.exec(path);
  try {
    if (jobMatch) await jobPage(main, decodeURIComponent(jobMatch[1]));
    else if (path === '/ui/jobs') await jobsPage(main);
    else if (path === '/ui/tenants') await tenantsPage(main);
    else if (path === '/ui/workers') await workersPage(main);
    else await overviewPage(main);
    document.body.dataset.loaded = 'true';
  } catch (error) {
    showMessage(error.message);
    document.body.dataset.loaded = 'error';
  }
}

document.getElementById('token-form').addEventListener('submit', (event) => {
  event.preventDefault();
  acceptToken(document.getElementById('token').value);
});
// The job-id box: paste an id (or any text holding one, such as a log line or an API URL) to open it.
document.getElementById('open-job').addEventListener('submit', (event) => {
  event.preventDefault();
  const text = document.getElementById('open-job-id').value;
  const jobId = findJobId(text);
  if (jobId) location.assign(`/ui/jobs/${jobId}`);
  else showMessage('That is not a job id: paste the whole id (36 characters, like 0190a1b2-…).');
});
void render();
