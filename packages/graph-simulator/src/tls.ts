/** A self-signed certificate for 127.0.0.1 and localhost, made with openssl for one simulator run. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface TlsMaterial { cert: string; key: string }

export function selfSignedCertificate(): TlsMaterial {
  const dir = mkdtempSync(path.join(tmpdir(), 'graph-sim-tls-'));
  try {
    const cfg = path.join(dir, 'req.cnf');
    writeFileSync(cfg, [
      '[req]', 'distinguished_name=dn', 'x509_extensions=ext', 'prompt=no', '[dn]', 'CN=graph-simulator.local',
      '[ext]', 'subjectAltName=IP:127.0.0.1,DNS:localhost', 'basicConstraints=critical,CA:TRUE', 'keyUsage=digitalSignature,keyEncipherment,keyCertSign',
    ].join('\n'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-keyout', 'key.pem', '-out', 'cert.pem', '-config', cfg], { cwd: dir, stdio: 'pipe' });
    return { cert: readFileSync(path.join(dir, 'cert.pem'), 'utf8'), key: readFileSync(path.join(dir, 'key.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
