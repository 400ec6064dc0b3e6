// Demo prerequisites: Prosody and mod_cloud_notify, installed with apt when we may, explained when not.
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Say } from './say.js';

export interface Facts {
  hasProsody: boolean;
  hasCloudNotify: boolean;
  isRoot: boolean;
  isDebian: boolean;
}

/** `ok`: ready; `install`: we may run apt-get ourselves; `explain`: the user has to install. */
export type Decision = 'ok' | 'install' | 'explain';

export const PACKAGES = ['prosody', 'prosody-modules'];
const INSTALL_ARGS = ['install', '-y', '--no-install-recommends', ...PACKAGES];
export const INSTALL_COMMAND = `apt-get ${INSTALL_ARGS.join(' ')}`;
const MODULES_DIR = '/usr/lib/prosody/modules';

export function decide(f: Facts): Decision {
  if (f.hasProsody && f.hasCloudNotify) return 'ok';
  return f.isRoot && f.isDebian ? 'install' : 'explain';
}

export function onPath(name: string, path = process.env.PATH ?? ''): boolean {
  return path
    .split(delimiter)
    .filter(Boolean)
    .some((dir) => {
      try {
        accessSync(join(dir, name), constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
}

export function gatherFacts(): Facts {
  return {
    hasProsody: onPath('prosody') && onPath('prosodyctl'),
    hasCloudNotify:
      existsSync(join(MODULES_DIR, 'mod_cloud_notify')) ||
      existsSync(join(MODULES_DIR, 'mod_cloud_notify.lua')),
    isRoot: process.getuid?.() === 0,
    isDebian: existsSync('/etc/debian_version'),
  };
}

/** What to tell a user who has to install the packages themselves. */
export function explanation(f: Facts): string[] {
  const missing = f.hasProsody ? 'mod_cloud_notify (package prosody-modules)' : 'Prosody';
  const lines = [`✗ The demo runs a private Prosody with mod_cloud_notify: ${missing} is missing.`];
  const command = `${f.isRoot ? '' : 'sudo '}${INSTALL_COMMAND}`;
  if (f.isDebian) {
    lines.push('  Install Prosody and prosody-modules with:', `    ${command}`);
  } else {
    lines.push(
      '  On Debian or Ubuntu, install Prosody and prosody-modules with:',
      `    ${command}`,
      `  Elsewhere, install Prosody 0.12 so that \`prosody\` is on PATH, and mod_cloud_notify from`,
      `  prosody-modules into ${MODULES_DIR}.`,
    );
  }
  lines.push('  Then run the demo again.');
  return lines;
}

/** Runs a command, echoing its output indented; resolves with its exit code and output. */
function runShown(cmd: string, args: string[], say: Say): Promise<{ code: number; out: string }> {
  say(`  $ ${[cmd, ...args].join(' ')}`);
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    let out = '';
    let partial = '';
    const take = (d: Buffer) => {
      out += d.toString();
      const lines = (partial + d.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) say(`    ${line.trimEnd()}`);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.once('error', (err) => resolve({ code: -1, out: `${out}${err.message}` }));
    child.once('close', (code) => {
      if (partial.trim()) say(`    ${partial.trimEnd()}`);
      resolve({ code: code ?? -1, out });
    });
  });
}

/** apt-get install, after an apt-get update when the package lists lack the packages. */
async function install(say: Say): Promise<boolean> {
  say(`Installing ${PACKAGES.join(' and ')} with apt-get (root on Debian; about half a minute)…`);
  let r = await runShown('apt-get', INSTALL_ARGS, say);
  if (r.code !== 0 && /Unable to locate package|has no installation candidate/.test(r.out)) {
    say('  The package lists do not know these packages yet: updating them first.');
    const update = await runShown('apt-get', ['update'], say);
    if (update.code !== 0) return false;
    r = await runShown('apt-get', INSTALL_ARGS, say);
  }
  return r.code === 0;
}

/** Checks (and, as root on Debian, installs) what the demo needs; false when it cannot run. */
export async function ensurePrerequisites(say: Say): Promise<boolean> {
  let facts = gatherFacts();
  const decision = decide(facts);
  if (decision === 'install') {
    if (!(await install(say))) {
      say(`✗ apt-get failed; install the packages yourself (${INSTALL_COMMAND}) and try again.`);
      return false;
    }
    facts = gatherFacts();
  }
  if (decide(facts) !== 'ok') {
    for (const line of explanation(facts)) say(line);
    return false;
  }
  say('✓ Prosody and mod_cloud_notify are installed');
  return true;
}
