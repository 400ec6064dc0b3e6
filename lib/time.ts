/** A time as XEP-0082 / ISO 8601 UTC text, or undefined for no time. */
export const isoTime = (ms: number | undefined): string | undefined =>
  ms === undefined ? undefined : new Date(ms).toISOString();
