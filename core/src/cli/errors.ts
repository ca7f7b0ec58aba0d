/** An error the CLI reports as one clear line with a given exit code (2 usage/config, 3 could not run). */
export class UsageError extends Error {
  constructor(message: string, readonly exitCode: 2 | 3 = 2) {
    super(message);
    this.name = 'UsageError';
  }
}
