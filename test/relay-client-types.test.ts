// The relay client as a package consumer sees it: `xmpp-push-relay/relay-client` resolves, through
// package.json "exports", to the declarations the build emitted; typed use compiles and misuse
// does not. Runs tsc on consumer files in a temp folder whose node_modules links to this package.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const run = promisify(execFile);

const CONSUMERS = {
  'good.ts': `
import {
  createRelayClient,
  type Device,
  type RelayClient,
  RelayNotFoundError,
} from 'xmpp-push-relay/relay-client';

const relay: RelayClient = createRelayClient({ baseUrl: 'https://relay.example.org', apiKey: 'k' });

export async function wake(token: string): Promise<number> {
  const device: Device = await relay.addDevice('apns', { registrationId: 'ab', name: 'phone' });
  const made = await relay.createToken({ apnsDevice: device.id, name: 'bob' });
  try {
    await relay.sendMessage({ token, data: 'hi', priority: 'high' });
  } catch (err) {
    if (err instanceof RelayNotFoundError) return err.status;
    throw err;
  }
  return made.token.length;
}
`,
  'bad.ts': `
import { createRelayClient } from 'xmpp-push-relay/relay-client';

const relay = createRelayClient({ baseUrl: 'https://relay.example.org' });
export const added = relay.addDevice('sms', { registrationId: 'ab' });
`,
};

/** tsc's verdict on one consumer file: exit code and diagnostics. */
async function typeCheck(dir: string, file: string): Promise<{ code: number; out: string }> {
  const args = ['--noEmit', '--strict', '--target', 'ES2022', '--module', 'NodeNext'];
  // A consumer's usual setting: it does not type-check the .d.ts files of its dependencies.
  args.push('--skipLibCheck', '--types', 'node', '--typeRoots', join(ROOT, 'node_modules/@types'));
  try {
    const { stdout } = await run(process.execPath, [TSC, ...args, file], { cwd: dir });
    return { code: 0, out: stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string };
    return { code: e.code, out: e.stdout };
  }
}

describe('the relay client package for TypeScript consumers', () => {
  let dir: string;
  let verdicts: Record<keyof typeof CONSUMERS, { code: number; out: string }>;

  beforeAll(async () => {
    if (!existsSync(join(ROOT, 'dist/relay-client/index.d.ts'))) {
      throw new Error('dist/relay-client/index.d.ts is missing: run `npm run build` first');
    }
    dir = mkdtempSync(join(tmpdir(), 'xpr-consumer-'));
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(ROOT, join(dir, 'node_modules', 'xmpp-push-relay'), 'dir');
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    for (const [name, text] of Object.entries(CONSUMERS)) writeFileSync(join(dir, name), text);
    const [good, bad] = await Promise.all([typeCheck(dir, 'good.ts'), typeCheck(dir, 'bad.ts')]);
    verdicts = { 'good.ts': good, 'bad.ts': bad };
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('compiles a consumer that uses createRelayClient as typed', () => {
    expect(verdicts['good.ts']).toEqual({ code: 0, out: '' });
  });

  it("refuses a consumer that misuses it, naming the package's own types", () => {
    expect(verdicts['bad.ts'].code).not.toBe(0);
    expect(verdicts['bad.ts'].out.trim()).toBe(
      `bad.ts(5,38): error TS2345: Argument of type '"sms"' is not assignable to parameter of type 'DeviceKind'.`,
    );
  });
});
