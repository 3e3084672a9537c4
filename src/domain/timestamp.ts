// RFC 3339 section 5.6 date-time; the offset is required, `T` and `Z` may be lower case, and the
// seconds may carry any number of fraction digits.
const rfc3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))$/;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * Whether `text` is an RFC 3339 date-time with an offset that PostgreSQL's timestamptz can store.
 * Year 0000 is valid RFC 3339 but not a year PostgreSQL accepts, so it is refused here rather than
 * failing in the database, and so is an offset beyond ±15:59, the most PostgreSQL accepts (RFC 3339
 * allows ±23:59; the offsets in use span −12:00 to +14:00). A leap second (60) is accepted as RFC 3339
 * allows.
 */
export function isRfc3339DateTime(text: string): boolean {
  const match = rfc3339.exec(text);
  if (!match) return false;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const offsetHour = match[9] === undefined ? 0 : Number(match[9]);
  const offsetMinute = match[10] === undefined ? 0 : Number(match[10]);
  return (
    year >= 1 &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month) &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 60 &&
    offsetHour <= 15 &&
    offsetMinute <= 59
  );
}
