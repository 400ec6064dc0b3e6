// XEP-0050: Ad-Hoc Commands — one-stage commands whose form may come with the first execute.
import { randomBytes } from 'node:crypto';
import { type Element, xml } from '@xmpp/component';
import type { CommandInfo } from './disco.js';
import { buildForm, type FieldSpec, type FormValues, readForm } from './forms.js';
import type { IqRequest, IqRoute, Reply } from './iq-router.js';
import { NS_COMMANDS } from './ns.js';
import { StanzaError } from './stanza-error.js';

export interface Command extends CommandInfo {
  /** The form shown when the command is executed without one; empty = runs at once. */
  fields: FieldSpec[];
  instructions?: string;
  /** Who may see and run it (default: everyone). */
  allowed?: (from: string) => boolean;
  /** Runs the command with the submitted values; returns a result form or an error. */
  run(from: string, form: FormValues): Promise<Element | StanzaError>;
}

const SESSION_TTL_MS = 10 * 60_000;
const MAX_SESSIONS = 10_000;

function commandError(condition: 'bad-request', text: string, app: string): StanzaError {
  return new StanzaError(condition, text, xml(app, { xmlns: NS_COMMANDS }));
}

/**
 * https://xmpp.org/extensions/xep-0050.html#execute — a command executed without a form gets
 * the form (status `executing`); the filled form, in that first request or in the next one
 * with the session id, completes it.
 */
export function adhocRoute(commands: Command[]): {
  route: IqRoute;
  visible: (from: string) => CommandInfo[];
} {
  const sessions = new Map<string, { node: string; from: string; expires: number }>();
  const visible = (from: string) => commands.filter((c) => c.allowed?.(from) ?? true);

  function openSession(node: string, from: string): string {
    const now = Date.now();
    for (const [id, s] of sessions) if (s.expires <= now) sessions.delete(id);
    if (sessions.size >= MAX_SESSIONS) sessions.delete(sessions.keys().next().value as string);
    const id = randomBytes(12).toString('hex');
    sessions.set(id, { node, from, expires: now + SESSION_TTL_MS });
    return id;
  }

  async function handler({ from, element }: IqRequest): Promise<Reply> {
    const node = element.attrs.node;
    const command = visible(from).find((c) => c.node === node);
    if (!node || !command) return new StanzaError('item-not-found', 'no such command');
    const action = element.attrs.action ?? 'execute';
    let sessionid = element.attrs.sessionid;
    if (sessionid) {
      const session = sessions.get(sessionid);
      if (!session || session.node !== node || session.from !== from) {
        return commandError('bad-request', 'unknown or expired session', 'bad-sessionid');
      }
      sessions.delete(sessionid);
    }
    const reply = (status: string, ...children: Element[]) =>
      xml(
        'command',
        {
          xmlns: NS_COMMANDS,
          node,
          sessionid: sessionid ?? randomBytes(12).toString('hex'),
          status,
        },
        ...children,
      );
    if (action === 'cancel') return reply('canceled');
    if (!['execute', 'complete', 'next'].includes(action)) {
      return commandError('bad-request', `unsupported action ${action}`, 'malformed-action');
    }
    const submitted = element.getChildren('x').find((x) => x.attrs.type === 'submit');
    const form = readForm(submitted);
    if (!form && command.fields.length > 0) {
      if (sessionid) return commandError('bad-request', 'the form is missing', 'bad-payload');
      sessionid = openSession(node, from);
      return reply(
        'executing',
        xml('actions', { execute: 'complete' }, xml('complete')),
        buildForm('form', command.fields, {
          title: command.name,
          instructions: command.instructions,
        }),
      );
    }
    const result = await command.run(from, form ?? new Map());
    if (result instanceof StanzaError) return result;
    return reply('completed', result);
  }

  return {
    route: { type: 'set', ns: NS_COMMANDS, name: 'command', handler, features: [NS_COMMANDS] },
    visible,
  };
}
