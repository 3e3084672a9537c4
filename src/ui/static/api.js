// The dashboard's one way to the admin API, and the message line. The token (when the service needs
// one) is kept in this tab only (sessionStorage).
import { confirmButton } from './dom.js';

const tokenKey = 'ingestAdminToken';
const message = document.getElementById('message');

/** Shows a message above the page: an error, or (ok) the outcome of an action. */
export function showMessage(text, ok = false) {
  message.textContent = text;
  message.className = ok ? 'message ok' : 'message';
  message.hidden = false;
}

/** Calls the admin API with the tab's token; a problem document becomes an Error with its detail. */
export async function api(path, options = {}) {
  const token = sessionStorage.getItem(tokenKey);
  const headers = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, {
    method: options.method ?? 'GET',
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const body = await response.json().catch(() => ({}));
  if (response.status === 401) document.getElementById('token-form').hidden = false;
  if (!response.ok) {
    const fields = body.errors
      ? ' ' +
        Object.entries(body.errors)
          .map(([f, m]) => `${f}: ${m.join(', ')}`)
          .join('; ')
      : '';
    const error = new Error(`${body.title ?? response.status}: ${body.detail ?? ''}${fields}`);
    error.status = response.status;
    throw error;
  }
  return body;
}

/** Keeps the token the operator typed in this tab, and starts again with it. */
export function acceptToken(value) {
  sessionStorage.setItem(tokenKey, value);
  location.reload();
}

/** A button that asks for a second click, then acts; a refusal or failure is shown as the message. */
export const actionButton = (label, question, act) =>
  confirmButton(label, question, act, (error) => showMessage(error.message));
