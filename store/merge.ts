// How two queued pushes for one device become one (see QueueStore.enqueue).
import type { Priority, QueuedPush } from './types.js';

/** The higher of two priorities: a push that should alert the user never becomes silent. */
export const higher = (a: Priority, b: Priority): Priority =>
  a === 'high' || b === 'high' ? 'high' : 'low';

/**
 * `newer` merged over `older`: the newer payload's members replace the older ones, members only
 * the older one has stay (payloads are JSON objects), and the priority is the higher.
 */
function mergePushes(older: QueuedPush, newer: QueuedPush): QueuedPush {
  const payload = JSON.stringify({ ...JSON.parse(older.payload), ...JSON.parse(newer.payload) });
  return { payload, priority: higher(older.priority, newer.priority) };
}

/**
 * Two pushes made at `aAt` and `bAt` (the `now` they were enqueued with): the later one's content
 * wins, `b`'s on a tie. Two processes behind one user's server can enqueue that user's publishes
 * out of order, so what counts is when each was made, not which reached the queue last.
 */
export function mergeLater(a: QueuedPush, aAt: number, b: QueuedPush, bAt: number): QueuedPush {
  return aAt > bAt ? mergePushes(b, a) : mergePushes(a, b);
}
