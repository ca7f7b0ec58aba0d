/**
 * The environment a connector process starts with: only what a program needs to run (PATH, home, temp folder,
 * locale, time zone, CA certificates) — never the host's secrets or DOVETAIL_* settings. Secrets reach the
 * child only when it asks (`secrets.get`).
 */
const PASSED = [
  'PATH', 'HOME', 'TMPDIR', 'TMP', 'TEMP', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TZ',
  'SystemRoot', 'SYSTEMROOT', 'WINDIR', 'NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'SSL_CERT_DIR',
] as const;

/** The child's environment, taken from `from` (default `process.env`). */
export function childEnvironment(from: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of PASSED) {
    const value = from[key];
    if (typeof value === 'string') env[key] = value;
  }
  return env;
}
