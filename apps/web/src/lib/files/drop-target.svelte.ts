import { carriesFiles } from './file-drop.ts'

/** An area files can be dropped on: highlighted while files are dragged over it. */
export class DropTarget {
  active = $state(false)
  #depth = 0

  constructor (private readonly onDrop: (data: DataTransfer) => void) {}

  enter (event: DragEvent): void {
    if (!carriesFiles(event)) return
    event.preventDefault()
    this.#depth++
    this.active = true
  }

  over (event: DragEvent): void {
    if (!carriesFiles(event)) return
    event.preventDefault() // allows the drop
    if (event.dataTransfer != null) event.dataTransfer.dropEffect = 'copy'
  }

  leave (event: DragEvent): void {
    if (!carriesFiles(event)) return
    this.#depth = Math.max(0, this.#depth - 1)
    if (this.#depth === 0) this.active = false
  }

  drop (event: DragEvent): void {
    this.#depth = 0
    this.active = false
    if (!carriesFiles(event) || event.dataTransfer == null) return
    event.preventDefault()
    this.onDrop(event.dataTransfer)
  }
}
