/** Minimal logger. Callers pass messages, never secrets or SIP payloads: passwords, digest
 *  headers and caller data stay out of logs (they end up in bug reports). */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string, error?: unknown): void;
}

export function createConsoleLogger(scope: string): Logger {
  const prefix = `[tsunagu:${scope}]`;
  return {
    info: (message) => console.info(prefix, message),
    warn: (message) => console.warn(prefix, message),
    error: (message, error) => console.error(prefix, message, error instanceof Error ? error.message : ''),
  };
}
