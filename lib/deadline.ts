// Deadlines on an answer that do not take our own lateness for the other side's.
//
// Node runs the timers that are due at the start of each turn of its event loop, before it reads
// the sockets. After a turn that took longer than a deadline (the process saturated, a long
// garbage collection), a plain setTimeout fires for an answer that came in time and is waiting,
// unread, in the socket: a Redis command that Redis had done, or a push FCM had accepted, would be
// failed and tried again. `afterIo` looks once more after the sockets were read: setImmediate
// runs after the event loop's poll phase (https://nodejs.org/en/learn/asynchronous-work/event-loop-timers-and-nexttick).

/**
 * Calls `expire` `ms` from now, in the same turn of the event loop but after the I/O that was
 * waiting by then has been read (and the promises it settled have run): `expire` checks whether
 * the answer came meanwhile. clearTimeout() on the result cancels it before it is due.
 */
export function afterIo(ms: number, expire: () => void): NodeJS.Timeout {
  return setTimeout(() => setImmediate(expire), ms);
}
