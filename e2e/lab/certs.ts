/**
 * A test certificate authority made at the start of a run (openssl), and leaf
 * certificates it signs for the lab's servers by IP address. Chromium is told
 * to trust exactly these leaves by the SHA-256 of their public keys
 * (`--ignore-certificate-errors-spki-list`); Node clients take the CA file.
 */
import { execFile } from 'node:child_process'
import { createHash, X509Certificate } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

export interface Leaf {
  certPath: string
  keyPath: string
  /** base64 SHA-256 of the certificate's SubjectPublicKeyInfo (DER), as Chromium's SPKI list takes it. */
  spki: string
}

export interface TestCa {
  certPath: string
  keyPath: string
  /** Issues a leaf certificate for these IP addresses (and DNS names), valid for one day. */
  issue(name: string, hosts: string[]): Promise<Leaf>
}

/** Makes a fresh CA (EC P-256, one day) in `dir`. */
export async function createCa (dir: string, name = 'Peerlink lab CA'): Promise<TestCa> {
  const certPath = join(dir, 'ca.pem')
  const keyPath = join(dir, 'ca.key')
  await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
    '-subj', `/CN=${name}`, '-keyout', keyPath, '-out', certPath,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'])
  return {
    certPath,
    keyPath,
    issue: async (leafName, hosts) => {
      const leafKey = join(dir, `${leafName}.key`)
      const csr = join(dir, `${leafName}.csr`)
      const leafCert = join(dir, `${leafName}.pem`)
      const ext = join(dir, `${leafName}.ext`)
      const san = hosts.map(h => /^[\d.]+$/.test(h) || h.includes(':') ? `IP:${h}` : `DNS:${h}`).join(',')
      await writeFile(ext, `subjectAltName=${san}\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n`)
      await run('openssl', ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', `/CN=${leafName}`, '-keyout', leafKey, '-out', csr])
      await run('openssl', ['x509', '-req', '-in', csr, '-CA', certPath, '-CAkey', keyPath, '-CAcreateserial', '-days', '1', '-extfile', ext, '-out', leafCert])
      return { certPath: leafCert, keyPath: leafKey, spki: spkiHash(await readFile(leafCert, 'utf8')) }
    }
  }
}

/** base64 SHA-256 of a PEM certificate's SubjectPublicKeyInfo. */
export function spkiHash (pem: string): string {
  const spki = new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' })
  return createHash('sha256').update(spki).digest('base64')
}
