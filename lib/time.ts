/** A time as XEP-0082 / ISO 8601 UTC text, or undefined for no time. */
export const isoTime = (ms: number | undefined): string | undefined =>
  ms === undefined ? undefined : new Date(ms).toISOString();

/**
 * A time as the ChatSecure push server (Django REST framework, `DATETIME_FORMAT`
 * `%Y-%m-%dT%H:%M:%S.%fZ`) wrote it: six fractional digits, e.g. `2026-11-29T11:00:00.123000Z`.
 */
export const drfTime = (ms: number): string => new Date(ms).toISOString().replace(/Z$/, '000Z');
