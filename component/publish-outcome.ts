/** What became of a XEP-0357 publish, as metrics and logs count it. */
export type PublishOutcome =
  | 'queued'
  | 'coalesced'
  | 'malformed'
  | 'unknown-node'
  | 'bad-secret'
  | 'wrong-publisher'
  | 'gone'
  | 'limited'
  | 'failed';
