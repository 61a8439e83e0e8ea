/**
 * Optional TLS for the daemon's TCP listener. Either the operator's certificate and key (PEM files), or, with
 * `hv daemon --tls` alone, a self-signed certificate that hv makes once with the host's `openssl` and keeps in
 * `<state>/tls/` (P-256 key, mode 0600; subjectAltName localhost, 127.0.0.1, ::1 and the host name). The CLI
 * trusts it by reading its path from daemon.json (`ca`), or HV_CA.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../base/errors.js';

export interface TlsOptions { certFile?: string; keyFile?: string }

export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  certFile: string;
  /** SHA-256 fingerprint of the certificate (as X509Certificate.fingerprint256 prints it). */
  fingerprint256: string;
}

function readPem(file: string, what: string): Buffer {
  try { return readFileSync(file); } catch (e) {
    throw new UserError(`cannot read the TLS ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

function selfSigned(dir: string): { certFile: string; keyFile: string } {
  const tlsDir = join(dir, 'tls');
  const certFile = join(tlsDir, 'cert.pem');
  const keyFile = join(tlsDir, 'key.pem');
  if (existsSync(certFile) && existsSync(keyFile)) return { certFile, keyFile };
  mkdirSync(tlsDir, { recursive: true, mode: 0o700 });
  const host = hostname().replace(/[^A-Za-z0-9.-]/g, '') || 'localhost';
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '825',
      '-subj', '/CN=hv daemon', '-addext', `subjectAltName=DNS:localhost,DNS:${host},IP:127.0.0.1,IP:::1`,
      '-keyout', keyFile, '-out', certFile,
    ], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new UserError('hv daemon --tls without --tls-cert/--tls-key makes a self-signed certificate with openssl, which is not installed (sudo apt-get install openssl), or pass your own with --tls-cert FILE --tls-key FILE');
    throw new UserError(`openssl could not make a self-signed certificate: ${String((e as { stderr?: Buffer }).stderr ?? (e as Error).message).trim()}`);
  }
  chmodSync(keyFile, 0o600);
  return { certFile, keyFile };
}

/** Loads (or, without files, creates) the certificate and key; checks that they parse and belong together. */
export function loadTls(stateDir: string, o: TlsOptions): TlsMaterial {
  if ((o.certFile === undefined) !== (o.keyFile === undefined)) throw new UserError('--tls-cert and --tls-key go together');
  const files = o.certFile !== undefined && o.keyFile !== undefined ? { certFile: o.certFile, keyFile: o.keyFile } : selfSigned(stateDir);
  const cert = readPem(files.certFile, 'certificate');
  const key = readPem(files.keyFile, 'key');
  let x509: X509Certificate;
  try { x509 = new X509Certificate(cert); } catch (e) { throw new UserError(`${files.certFile} is not a PEM certificate: ${(e as Error).message}`); }
  let pk;
  try { pk = createPrivateKey(key); } catch (e) { throw new UserError(`${files.keyFile} is not a PEM private key: ${(e as Error).message}`); }
  if (!x509.checkPrivateKey(pk)) throw new UserError(`${files.keyFile} is not the key of the certificate ${files.certFile}`);
  return { cert, key, certFile: files.certFile, fingerprint256: x509.fingerprint256 };
}
