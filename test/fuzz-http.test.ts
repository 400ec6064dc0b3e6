// Hostile requests through the relay's whole HTTP API (Fastify, routes, relay, a real SQLite
// store): no crash and no 5xx, a JSON reply to every request, a DRF-style error object with a
// 4xx for a refused one, nothing stored by a refused request, and nothing done without the
// account's key on the routes that need it.
// FUZZ_SEED=<n> runs another sequence; a failure prints its seed and the smallest failing input.
import { afterEach, beforeEach, it } from '@jest/globals';
import fc from 'fast-check';
import { type Request, requests } from './fuzz/http-arbitraries.js';
import { type HttpWorld, httpWorld } from './fuzz/http-world.js';
import { shortReport } from './fuzz/report.js';

const seed = Number(process.env.FUZZ_SEED ?? 20_261_203);

let world: HttpWorld;
let version: number;
// A fresh API and store for each property: a request that deletes the seeded account or device
// must not leave the next property with nothing to reach.
beforeEach(async () => {
  world = await httpWorld();
  version = world.version();
});
afterEach(() => world.close());

/** Routes that act for an account: nothing may succeed there without its key. */
const needsKey = (r: Request) =>
  /^\/api\/v1\/(device|tokens)\//.test(r.url) ||
  (r.method === 'DELETE' && r.url.startsWith('/api/v1/accounts/'));

/** An error as Django REST framework writes one: `{detail}`, or messages by field. */
function drfError(reply: unknown): boolean {
  if (typeof reply !== 'object' || reply === null || Array.isArray(reply)) return false;
  const entries = Object.entries(reply);
  if (entries.length === 1 && typeof (reply as { detail?: unknown }).detail === 'string')
    return true;
  return (
    entries.length > 0 &&
    entries.every(
      ([, v]) => Array.isArray(v) && v.length > 0 && v.every((m) => typeof m === 'string'),
    )
  );
}

/** What is wrong with the API's answer to `r`, if anything. */
async function examine(r: Request): Promise<string | undefined> {
  const before = world.rows();
  const res = await world.app.inject(r);
  const { statusCode: status } = res;
  if (world.errors.length > 0) return `logged an error: ${world.errors.join('')}`;
  if (status >= 500) return `answered ${status}: ${res.body}`;
  if (status < 200 || (status >= 300 && status < 400)) return `answered ${status}`;
  if (r.method !== 'HEAD' && status !== 204) {
    if (!String(res.headers['content-type']).startsWith('application/json')) {
      return `answered ${status} with content-type ${res.headers['content-type']}`;
    }
    let reply: unknown;
    try {
      reply = JSON.parse(res.body);
    } catch {
      return `answered ${status} with a body that is not JSON: ${res.body}`;
    }
    if (status >= 400 && !drfError(reply)) {
      return `answered ${status} with ${res.body}, not a DRF error object`;
    }
  }
  const authorized = /^Token\s+([0-9a-f]{40})$/i.exec(r.headers.authorization?.trim() ?? '');
  const withKey = authorized?.[1]?.toLowerCase() === world.seed.apiKey;
  if (status < 300 && needsKey(r) && !withKey) return `answered ${status} without the key`;
  if (world.version() === version) return undefined;
  version = world.version();
  if (status < 400) return undefined;
  const after = world.rows();
  const changed = Object.keys(after).filter((t) => after[t] !== before[t]);
  return changed.length === 0
    ? undefined
    : `answered ${status} yet stored: ${changed.map((t) => `${t} ${before[t]} -> ${after[t]}`)}`;
}

async function check(r: Request): Promise<void> {
  const problem = await examine(r);
  if (problem) throw new Error(problem);
}

function fuzz(runs: number, pick: (all: ReturnType<typeof requests>) => fc.Arbitrary<Request>) {
  return fc.assert(fc.asyncProperty(pick(requests(world.seed)), check), {
    numRuns: runs,
    seed,
    asyncReporter: shortReport,
  });
}

it('answers 3,000 hostile /api/v1/device/ requests with JSON, never 5xx, storing nothing when refusing', async () => {
  await fuzz(3000, (r) => r.devices);
});

it('answers 2,000 hostile /api/v1/tokens/ requests with JSON, never 5xx, storing nothing when refusing', async () => {
  await fuzz(2000, (r) => r.tokens);
});

it('answers 2,000 hostile /api/v1/messages/ requests with JSON, never 5xx, storing nothing when refusing', async () => {
  await fuzz(2000, (r) => r.messages);
});

it('answers 1,500 hostile account requests and requests for other paths with JSON, never 5xx, storing nothing when refusing', async () => {
  await fuzz(1500, (r) => r.others);
});
