/**
 * An operator's payload condition, `path=value` as in `customer.id=42` or `payload.page="/home"`, turned
 * into the JSON object a matching payload contains (`{"customer": {"id": 42}}`), for jsonb `@>`. The
 * value is read as JSON when it is JSON (42, true, null, "42"), else as a string; the path is one or more
 * keys separated by dots, with an optional leading `payload.`. Returns a message on a malformed condition.
 */
export function parsePayloadCondition(raw: string): { contains: unknown } | { problem: string } {
  const at = raw.indexOf('=');
  const form = 'expected path=value, for example customer.id=42 or page=/home';
  if (at <= 0) return { problem: form };
  let path = raw.slice(0, at).trim();
  if (path.startsWith('payload.')) path = path.slice('payload.'.length);
  const keys = path.split('.');
  if (keys.some((key) => key.trim() === '')) return { problem: `the path has an empty key; ${form}` };
  if (keys.length > 16) return { problem: 'the path may have at most 16 keys' };
  const text = raw.slice(at + 1).trim();
  let value: unknown = text;
  try {
    value = JSON.parse(text);
  } catch {
    // Not JSON: the text itself is the value.
  }
  let contains = value;
  for (const key of keys.reverse()) contains = { [key.trim()]: contains };
  return { contains };
}
