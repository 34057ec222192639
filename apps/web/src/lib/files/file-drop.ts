/**
 * Files dropped onto the page or picked in a file input, folders included: every file inside a dropped
 * folder (recursively) is shared on its own.
 */

/** Whether a drag carries files (as opposed to text or a link). */
export function carriesFiles (event: DragEvent): boolean {
  return event.dataTransfer?.types.includes('Files') === true
}

/**
 * The files of a drop. Reads the entries synchronously (a DataTransfer is
 * only readable during the drop event), then walks folders.
 */
export async function droppedFiles (data: DataTransfer): Promise<File[]> {
  const entries: FileSystemEntry[] = []
  const plain: File[] = []
  for (const item of Array.from(data.items)) {
    if (item.kind !== 'file') continue
    const entry = typeof item.webkitGetAsEntry === 'function' ? item.webkitGetAsEntry() : null
    if (entry != null) entries.push(entry)
    else {
      const file = item.getAsFile()
      if (file != null) plain.push(file)
    }
  }
  if (entries.length === 0 && plain.length === 0) return Array.from(data.files)
  const walked = await Promise.all(entries.map(async entry => filesOf(entry)))
  return [...plain, ...walked.flat()]
}

async function filesOf (entry: FileSystemEntry): Promise<File[]> {
  if (isFile(entry)) return [await new Promise<File>((resolve, reject) => { entry.file(resolve, reject) })]
  if (!isDirectory(entry)) return []
  const reader = entry.createReader()
  const children: FileSystemEntry[] = []
  // readEntries returns the folder's entries in batches, until an empty one
  while (true) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => { reader.readEntries(resolve, reject) })
    if (batch.length === 0) break
    children.push(...batch)
  }
  const nested = await Promise.all(children.map(async child => filesOf(child)))
  return nested.flat()
}

function isFile (entry: FileSystemEntry): entry is FileSystemFileEntry {
  return entry.isFile
}

function isDirectory (entry: FileSystemEntry): entry is FileSystemDirectoryEntry {
  return entry.isDirectory
}

/** The files picked in a file input, emptying it so that the same file can be picked again. */
export function takePicked (input: HTMLInputElement): File[] {
  const list = Array.from(input.files ?? [])
  input.value = ''
  return list
}
