// Undo steps of the demo, run last-in first-out; each step is bounded so stopping never hangs.

const STEP_TIMEOUT_MS = 8000;

export class Cleanup {
  private readonly steps: Array<{ what: string; undo: () => unknown }> = [];

  add(what: string, undo: () => unknown): void {
    this.steps.push({ what, undo });
  }

  /** Runs every step, newest first; returns the failures as readable lines. */
  async run(): Promise<string[]> {
    const problems: string[] = [];
    for (let step = this.steps.pop(); step; step = this.steps.pop()) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('timed out')), STEP_TIMEOUT_MS);
      });
      try {
        await Promise.race([Promise.resolve().then(step.undo), timeout]);
      } catch (err) {
        problems.push(`${step.what}: ${(err as Error).message}`);
      } finally {
        clearTimeout(timer);
      }
    }
    return problems;
  }
}
