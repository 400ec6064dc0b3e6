// `xmpp-push-relay demo`: the whole push path on 127.0.0.1, started, played, explained, then undone.
import { existsSync } from 'node:fs';
import { tailFiles } from '../../harness/servers/proc.js';
import { Cleanup } from './cleanup.js';
import { ensurePrerequisites } from './prerequisites.js';
import { type Say, say } from './say.js';
import { COMPONENT_JID, type Demo, setUp, USERS } from './setup.js';
import { playStory } from './story.js';

export interface DemoOptions {
  /** Play the story, then stop everything and exit (tests, CI). */
  once?: boolean;
}

function printHowToTry(demo: Demo, out: Say): void {
  const width = Math.max(...USERS.map((u) => u.length));
  out();
  out('The demo keeps running. Log in with any XMPP client:');
  out(`  server          127.0.0.1, port ${demo.prosody.c2sPort}, domain localhost`);
  out('                  no TLS: turn encryption off in the client; plain-text passwords are');
  out('                  allowed because everything stays on this machine (127.0.0.1)');
  for (const [i, user] of USERS.entries()) {
    const label = i === 0 ? 'users' : '';
    out(
      `  ${label.padEnd(16)}${`${user}@localhost`.padEnd(width + 11)}password ${demo.passwords[user]}`,
    );
  }
  out(`  push component  ${COMPONENT_JID}`);
  out(`  relay HTTP API  ${demo.httpUrl}  (try: curl ${demo.httpUrl}/api/v1/pubsub/)`);
  out(`  relay log       ${demo.logFile}`);
  out('As juliet, message romeo, mercutio or benvolio while they are offline:');
  out('the sinks print each push.');
  out('Ctrl-C to stop.');
}

function printDiagnostics(demo: Demo | undefined, out: Say): void {
  if (!demo) return;
  out(demo.prosody.logTail(15));
  if (existsSync(demo.logFile)) out(tailFiles([demo.logFile], 15));
}

export async function runDemo(opts: DemoOptions = {}, out: Say = say): Promise<number> {
  out('xmpp-push-relay demo: a private Prosody, this push component and local APNs/FCM sinks,');
  out('all on 127.0.0.1; nothing is sent to Apple or Google.');
  out();
  if (!(await ensurePrerequisites(out))) return 1;

  const cleanup = new Cleanup();
  const abort = new AbortController();
  let stopRequested: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => {
    stopRequested = resolve;
  });
  const onSignal = (name: NodeJS.Signals) => {
    out();
    out(abort.signal.aborted ? 'Still stopping, one moment…' : `${name}: stopping…`);
    abort.abort();
    stopRequested();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let demo: Demo | undefined;
  let code = 0;
  let problems: string[] = [];
  try {
    demo = await setUp(cleanup, out, abort.signal);
    const latency = await playStory(demo, cleanup, out, abort.signal);
    out(
      `Done: APNs push in ${latency.apns} ms, FCM push in ${latency.fcm} ms, ` +
        `Siskin IM's APNs push in ${latency.siskin} ms.`,
    );
    if (!opts.once) {
      printHowToTry(demo, out);
      await stopped;
    }
  } catch (err) {
    if (!abort.signal.aborted) {
      out(`✗ The demo failed: ${(err as Error).message}`);
      printDiagnostics(demo, out);
      code = 1;
    }
  } finally {
    problems = await cleanup.run();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    for (const p of problems) out(`✗ Could not ${p}`);
    if (problems.length === 0) {
      out('✓ Stopped everything the demo started and removed its temp folders');
    }
  }
  return problems.length > 0 ? 1 : code;
}
