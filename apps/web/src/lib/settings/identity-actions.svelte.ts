import { exportIdentity, identityFileName, IdbKeyStore, importIdentity } from './settings-api.ts'
import { errorMessage } from '../shared/errors.ts'
import type { Session } from '../session/session.svelte.ts'

/** Exporting the identity to a file and importing one (then reloading). */
export class IdentityActions {
  error = $state<string>()
  importing = $state(false)

  constructor (
    private readonly session: Session,
    private readonly reload: () => void = () => { location.reload() }
  ) {}

  get canExport (): boolean {
    return this.session.key != null
  }

  /** Downloads the identity as a JSON file. */
  exportToFile (): void {
    this.error = undefined
    const key = this.session.key
    if (key == null) {
      this.error = 'There is no identity to export yet.'
      return
    }
    const bytes = exportIdentity(key)
    const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/json' }))
    const link = document.createElement('a')
    link.href = url
    link.download = identityFileName(key)
    link.rel = 'noopener'
    document.body.append(link)
    link.click()
    link.remove()
    setTimeout(() => { URL.revokeObjectURL(url) }, 60_000)
  }

  /** Stores the identity in `file` and reloads the page to use it. */
  async importFromFile (file: File | undefined): Promise<void> {
    if (file == null) return
    this.error = undefined
    this.importing = true
    try {
      await importIdentity(new IdbKeyStore(), new Uint8Array(await file.arrayBuffer()))
    } catch (err) {
      this.error = `Could not import ${file.name}: ${errorMessage(err)}`
      this.importing = false
      return
    }
    await this.session.stop()
    this.reload()
  }
}
