/** Base of every error the product throws on purpose: `name` comes from the class, `cause` chains. */
export class AppError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The configuration is unusable; each problem names its key path. */
export class ConfigError extends AppError {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
}

/** The XMPP server refused our component credentials: retrying cannot help. */
export class ComponentAuthError extends AppError {}
