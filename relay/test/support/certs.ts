/**
 * Test certificates made with `openssl`: a throwaway CA and server
 * certificates it signs, in a directory of the caller's (a test's temp dir).
 * Clients trust the CA explicitly (`ca` option, NODE_EXTRA_CA_CERTS), never
 * by turning verification off.
 */
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

export interface TestCa {
  /** PEM file of the CA certificate (what clients trust). */
  cert: string
  /** PEM file of the CA's private key. */
  key: string
}

export interface TestCert {
  /** PEM file of the server certificate. */
  cert: string
  /** PEM file of its private key. */
  key: string
  /** Serial number in upper-case hex, as `X509Certificate.serialNumber` and `getPeerCertificate().serialNumber` give it. */
  serial: string
}

async function openssl (args: string[]): Promise<void> {
  await run('openssl', args)
}

/** A CA (P-256, valid 2 days) in `dir`/`name`.pem and `name`.key. */
export async function makeCa (dir: string, name = 'ca'): Promise<TestCa> {
  const cert = join(dir, `${name}.pem`)
  const key = join(dir, `${name}.key`)
  await openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=Peerlink test CA ${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'])
  return { cert, key }
}

/**
 * A server certificate signed by `ca` for the given DNS names and IP
 * addresses (default: localhost and 127.0.0.1), with a random serial, in
 * `dir`/`name`.pem and `name`.key.
 */
export async function makeCert (ca: TestCa, dir: string, options: { name?: string, dnsNames?: string[], ips?: string[], days?: number } = {}): Promise<TestCert> {
  const name = options.name ?? 'server'
  const dnsNames = options.dnsNames ?? ['localhost']
  const ips = options.ips ?? ['127.0.0.1']
  const cert = join(dir, `${name}.pem`)
  const key = join(dir, `${name}.key`)
  const csr = join(dir, `${name}.csr`)
  const ext = join(dir, `${name}.ext`)
  // a positive 64-bit serial without leading zero bytes
  const serial = (0x40 + (randomBytes(1)[0] ?? 0) % 0x3f).toString(16).toUpperCase() + randomBytes(7).toString('hex').toUpperCase()
  const san = [...dnsNames.map(n => `DNS:${n}`), ...ips.map(ip => `IP:${ip}`)].join(',')
  await writeFile(ext, `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n`)
  await openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', csr, '-subj', `/CN=${dnsNames[0] ?? ips[0] ?? 'peerlink-test'}`])
  await openssl(['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-set_serial', `0x${serial}`,
    '-days', String(options.days ?? 1), '-out', cert, '-extfile', ext])
  return { cert, key, serial }
}
