// fast-check's failure report with the long runs of one character that huge inputs make cut
// short, so that a failure stays readable (the seed and path to replay it are kept).
import fc from 'fast-check';

export async function shortReport<T>(details: fc.RunDetails<T>): Promise<void> {
  if (!details.failed) return;
  const message = fc.defaultReportMessage(details) ?? 'property failed';
  throw new Error(
    message.replace(/(.)\1{40,}/gsu, (run, c) => `${c}…(${run.length}×)`),
    {
      cause: details.errorInstance,
    },
  );
}
