import { expect, it, jest } from '@jest/globals';
import { createLogger } from './log.js';
import { repeatedErrors } from './repeats.js';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger('info', { write: (l: string) => lines.push(JSON.parse(l)) });
  return { lines, log };
}

it('logs an error that repeats once per window, then how many more times it came', () => {
  jest.useFakeTimers();
  try {
    const { lines, log } = capture();
    const errors = repeatedErrors(log, 1000);
    for (let i = 0; i < 500; i++) errors.error(new Error('store away'), { ns: 'x' }, 'IQ failed');
    errors.error(new Error('another'), {}, 'IQ failed');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ msg: 'IQ failed', ns: 'x', err: { message: 'store away' } });
    expect(JSON.stringify(lines[0]?.err)).toContain('Error: store away\\n    at ');
    jest.advanceTimersByTime(1000);
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatchObject({ msg: 'IQ failed (499 more times)', repeated: 499 });
    expect(lines[2]?.err).toBeUndefined();
    // the window over, the next one is logged in full again
    errors.error(new Error('store away'), {}, 'IQ failed');
    expect(lines).toHaveLength(4);
    expect(lines[3]).toMatchObject({ err: { message: 'store away' } });
  } finally {
    jest.useRealTimers();
  }
});
