import { CopyAction } from '../shared/clipboard.svelte.ts'
import { qrDataUrl } from '../shared/qr.ts'

/** A room's share link: copy it, or show it as a QR code. */
export class RoomShare {
  /** The QR code image (`data:` URL), once drawn. */
  qr = $state<string>()
  error = $state<string>()
  readonly copier = new CopyAction()

  constructor (readonly link: string) {
    qrDataUrl(link).then(
      url => { this.qr = url },
      () => { this.error = 'Could not draw the QR code.' }
    )
  }

  async copy (): Promise<void> {
    await this.copier.copy(this.link)
  }
}
