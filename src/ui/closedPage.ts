import type { AccessRefusal, AdminAccessMode } from '../admin/adminAccess.js';

const escapes: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => escapes[c]!);

/** The ways to open a dashboard that is closed because the service listens beyond loopback. */
function openingSteps(port: number): string[] {
  return [
    `On this machine only: listen on loopback with <code>HOST=127.0.0.1</code> and open ` +
      `<code>http://127.0.0.1:${port}/ui</code>. <code>npm start</code> does so by default with its ` +
      'embedded database, unless HOST or ASPNETCORE_URLS names another address.',
    'With a token: start the service with <code>ADMIN_TOKEN</code> set (16 or more characters, for ' +
      'example from <code>openssl rand -hex 32</code>) and enter it when the dashboard asks.',
    'With API keys: start it with <code>AUTH_MODE=keys</code>, create an admin key with ' +
      '<code>npm run keys -- create --kind admin</code> and enter the key when the dashboard asks.',
  ];
}

/**
 * The page a browser gets for a dashboard it may not see: what the refusal says and, when the dashboard
 * is closed because the service listens beyond loopback, how to open it. A browser asks for HTML; a raw
 * problem document would read as an error of the service rather than as a setting to change.
 */
export function closedDashboardPage(refusal: AccessRefusal, mode: AdminAccessMode, port: number): string {
  const steps =
    mode === 'refused'
      ? `<p>To open it, choose one:</p>\n<ul>\n${openingSteps(port)
          .map((step) => `<li>${step}</li>`)
          .join('\n')}\n</ul>\n<p>docs/admin.md in the repository says more.</p>`
      : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<title>Dashboard closed</title>
<link rel="stylesheet" href="/ui/assets/style.css" />
</head>
<body>
<header><strong>Ingest jobs</strong></header>
<main>
<h1>${escapeHtml(refusal.title)}</h1>
<p>${escapeHtml(refusal.detail)}</p>
${steps}
</main>
</body>
</html>
`;
}
