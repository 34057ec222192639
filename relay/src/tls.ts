/**
 * TLS for the relay's WebSockets listener (`/tls/ws`) and its HTTP side port
 * (https), from PEM files given with `--tls-cert` and `--tls-key`. The files
 * are read again on SIGHUP: every TLS server of the relay switches to the new
 * certificate for new connections (open ones keep theirs), so a renewal needs
 * no restart.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { createSecureContext, type Server as TlsServer } from 'node:tls'
import { logger } from '@libp2p/logger'
import { webSockets } from '@libp2p/websockets'
import { AnnounceTlsError, TlsFileError, TlsKeyMismatchError, errnoCode, firstLine } from './errors.js'
import type { Transport } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

const log = logger('peerlink:relay:tls')

interface TlsMaterial {
  cert: Buffer
  key: Buffer
  x509: X509Certificate
}

export class RelayTls {
  private material: TlsMaterial
  private readonly servers = new Set<TlsServer>()

  private constructor (readonly certFile: string, readonly keyFile: string, material: TlsMaterial) {
    this.material = material
  }

  /**
   * Reads and checks the certificate and key.
   *
   * @throws {TlsFileError} a file cannot be read or holds no PEM certificate/key
   * @throws {TlsKeyMismatchError} the key is not the certificate's
   */
  static async load (certFile: string, keyFile: string): Promise<RelayTls> {
    return new RelayTls(certFile, keyFile, await readMaterial(certFile, keyFile))
  }

  /** The certificate in use (its first one, when the file holds a chain). */
  get certificate (): X509Certificate {
    return this.material.x509
  }

  /** Options for `https.createServer` (and the WebSockets transport's `https`). */
  serverOptions (): { cert: Buffer, key: Buffer } {
    return { cert: this.material.cert, key: this.material.key }
  }

  /** Switches `server` to each reloaded certificate until it closes. */
  attach (server: TlsServer): void {
    this.servers.add(server)
    server.once('close', () => { this.servers.delete(server) })
  }

  /**
   * Reads the files again and switches every attached server to them. On
   * failure the current certificate stays in use.
   *
   * @throws {TlsFileError | TlsKeyMismatchError}
   */
  async reload (): Promise<X509Certificate> {
    const material = await readMaterial(this.certFile, this.keyFile)
    for (const server of this.servers) server.setSecureContext({ cert: material.cert, key: material.key })
    this.material = material
    log('reloaded certificate %s (serial %s, valid to %s) for %d servers', this.certFile, material.x509.serialNumber, material.x509.validTo, this.servers.size)
    return material.x509
  }

  /**
   * The WebSockets transport listening with TLS. `@libp2p/websockets` (10.1.x)
   * creates its https server in `listen()` and keeps it in the listener's
   * `https` field: it is attached from there so SIGHUP reaches it.
   */
  webSockets<C> (): (components: C) => Transport {
    const factory = webSockets({ https: this.serverOptions() }) as unknown as (components: C) => Transport
    return (components: C) => {
      const transport = factory(components)
      const createListener = transport.createListener.bind(transport)
      transport.createListener = (options) => {
        const listener = createListener(options)
        const listen = listener.listen.bind(listener)
        listener.listen = async (ma: Multiaddr) => {
          await listen(ma)
          const server = (listener as unknown as { https?: unknown }).https
          if (isTlsServer(server)) this.attach(server)
          else log.error('the WebSockets listener for %a has no https server: SIGHUP will not renew its certificate', ma)
        }
        return listener
      }
      return transport
    }
  }

  /**
   * Checks announced WebSockets addresses against TLS: with TLS on, the
   * listener speaks only TLS, so an announced plain `/ws` cannot be dialed;
   * an announced `/tls/ws` (or `/wss`) name or address must be one the
   * certificate is valid for, or browsers refuse it.
   *
   * @throws {AnnounceTlsError}
   */
  checkAnnounce (announce: Multiaddr[]): void {
    for (const ma of announce) {
      const components = ma.getComponents()
      const names = components.map(c => c.name)
      if (!names.includes('ws') && !names.includes('wss')) continue
      const secure = names.includes('wss') || names.includes('tls')
      if (!secure) {
        throw new AnnounceTlsError(ma.toString(), 'is plain /ws, but with --tls-cert the WebSockets listener speaks TLS only: announce /tls/ws')
      }
      const sni = components.find(c => c.name === 'sni')?.value
      const host = components.find(c => c.name === 'dns' || c.name === 'dns4' || c.name === 'dns6' || c.name === 'dnsaddr')?.value
      const ip = components.find(c => c.name === 'ip4' || c.name === 'ip6')?.value
      const name = sni ?? host
      if (name != null && this.certificate.checkHost(name) == null) {
        throw new AnnounceTlsError(ma.toString(), `the certificate in --tls-cert is not valid for ${name} (${this.certificate.subjectAltName ?? this.certificate.subject})`)
      }
      if (name == null && ip != null && this.certificate.checkIP(ip) == null) {
        throw new AnnounceTlsError(ma.toString(), `the certificate in --tls-cert is not valid for ${ip}: announce /dns4/<name>/tcp/<port>/tls/ws`)
      }
    }
  }
}

async function readPem (flag: '--tls-cert' | '--tls-key', file: string): Promise<Buffer> {
  try {
    return await readFile(file)
  } catch (err) {
    const code = errnoCode(err)
    throw new TlsFileError(flag, file, `cannot read${code != null ? ` (${code})` : `: ${firstLine(err)}`}`, { cause: err })
  }
}

async function readMaterial (certFile: string, keyFile: string): Promise<TlsMaterial> {
  const cert = await readPem('--tls-cert', certFile)
  const key = await readPem('--tls-key', keyFile)
  let x509: X509Certificate
  try {
    x509 = new X509Certificate(cert)
  } catch (err) {
    throw new TlsFileError('--tls-cert', certFile, 'not a PEM certificate', { cause: err })
  }
  let privateKey
  try {
    privateKey = createPrivateKey(key)
  } catch (err) {
    // never the key's text in the message
    throw new TlsFileError('--tls-key', keyFile, 'not a PEM private key', { cause: err })
  }
  if (privateKey.type !== 'private') throw new TlsFileError('--tls-key', keyFile, 'not a PEM private key')
  if (!x509.checkPrivateKey(privateKey)) throw new TlsKeyMismatchError(keyFile, certFile)
  try {
    createSecureContext({ cert, key })
  } catch (err) {
    throw new TlsFileError('--tls-cert', certFile, `unusable with --tls-key: ${firstLine(err)}`, { cause: err })
  }
  if (Date.parse(x509.validTo) < Date.now()) log.error('the certificate in %s expired on %s', certFile, x509.validTo)
  return { cert, key, x509 }
}

function isTlsServer (value: unknown): value is TlsServer {
  return value != null && typeof (value as TlsServer).setSecureContext === 'function'
}
