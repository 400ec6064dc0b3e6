// The promises every fault run checks (README: our trouble never switches a user's push off,
// nothing answered is lost) as numbers, and the shape of a run. One place, so that a reader sees
// what "on time" and "back" mean for every fault family.

/** Registrations: even ones are APNs devices, odd ones FCM devices. */
export const REGISTRATIONS = 1000;
/**
 * Publishes per second, round-robin over the registrations (one per registration per second).
 * FAULTS_RATE overrides it to find what a slower machine sustains (the control run says whether
 * it does); `npm test` runs at 1,000.
 */
export const RATE_PER_S = Number(process.env.FAULTS_RATE ?? 1000);
/** Steady load before the fault starts. */
export const BEFORE_MS = 3_000;
/** How long the fault lasts. */
export const FAULT_MS = 10_000;
/** Steady load after the fault ends. */
export const AFTER_MS = 7_000;

/** Every publish answered `result` is pushed within this long of max(its send, the fault's end). */
export const ON_TIME_MS = 10_000;
/**
 * Service is back once every publish sent from then on is answered `result` and pushed within
 * SERVICE_LATENCY_MS; that must happen within SERVICE_BACK_MS of the fault's end.
 */
export const SERVICE_LATENCY_MS = 3_000;
export const SERVICE_BACK_MS = 10_000;
/** Pushes that repeat a count the device already got, at most this share of answered publishes. */
export const MAX_DUPLICATE_SHARE = 0.01;
/**
 * When the fault kills our process, the sends it had in flight are sent again by the process that
 * takes its jobs over: the provider had them, the killed process had not yet read or committed the
 * answer. Such a repeat is told by its first copy: it came over a connection of the killed
 * process (the kit lists them at the kill). Those repeats are bounded by what one process holds
 * at once (the defaults of APNs `max_in_flight` and FCM `max_connections`), and each one's first
 * copy came at most a request timeout (5 s) plus a commit (1 s) before the kill; the other
 * duplicates still count against MAX_DUPLICATE_SHARE.
 */
export const SENDS_HELD_PER_PROCESS = 1000 + 128;
export const IN_FLIGHT_MS = 6_000;
/**
 * Providers are isolated: while one provider is in trouble, the other one's pushes still arrive
 * within this long of their publish; a provider starved by the other's fault would wait out the
 * fault's 10 s. (Without a fault, pushes of either provider take about 0.1 s at 1,000
 * publishes/s on a 2-core machine that also runs the load and the fakes; with FCM capped at 32
 * connections its pushes took up to 5 s.)
 */
export const ISOLATION_LATENCY_MS = 8_000;

/**
 * FAULTS_MEASURE_MS=120000 keeps waiting that long after the load for late pushes, to measure
 * how late they come (the default waits only as long as the targets allow, plus a margin).
 */
export const MEASURE_MS = Number(process.env.FAULTS_MEASURE_MS ?? 0);
