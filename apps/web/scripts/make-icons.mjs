#!/usr/bin/env node
/**
 * Writes Peerlink's PNG app icons into public/ (with ./png.ts, which needs only node:zlib):
 * a diagonal indigo→violet gradient with two linked "peer" dots.
 *
 *   node scripts/make-icons.mjs
 *
 * icon-192.png and icon-512.png have rounded corners (transparent outside);
 * maskable-512.png fills the whole square and keeps the mark inside the
 * maskable safe zone. The outputs are committed; rerun after changing this.
 */
import { writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { encodePng } from './png.ts'

const publicDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'public')

const FROM = [79, 70, 229] // #4f46e5
const TO = [147, 51, 234] // #9333ea
const WHITE = [255, 255, 255]

/** Coverage (0..1) of a shape given its signed distance in pixels. */
const cover = (d) => Math.min(1, Math.max(0, 0.5 - d))

const dist = {
  circle: (x, y, cx, cy, r) => Math.hypot(x - cx, y - cy) - r,
  /** A segment from (ax, ay) to (bx, by) with half-width w. */
  segment (x, y, ax, ay, bx, by, w) {
    const px = x - ax; const py = y - ay; const dx = bx - ax; const dy = by - ay
    const t = Math.max(0, Math.min(1, (px * dx + py * dy) / (dx * dx + dy * dy)))
    return Math.hypot(px - dx * t, py - dy * t) - w
  },
  /** A square of side s with corner radius r. */
  roundedSquare (x, y, s, r) {
    const h = s / 2
    const qx = Math.abs(x - h) - (h - r); const qy = Math.abs(y - h) - (h - r)
    return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r
  }
}

/** RGBA pixel at (x, y) of a size×size icon. */
function pixel (x, y, size, maskable) {
  const u = size / 100 // design units: a 100×100 canvas
  const t = (x + y) / (2 * size)
  let rgb = FROM.map((c, i) => c + (TO[i] - c) * t)
  const scale = maskable ? 0.8 : 1 // maskable: keep the mark in the safe zone
  const c = (v) => 50 + (v - 50) * scale
  const mark = Math.max(
    cover(dist.segment(x, y, c(32) * u, c(66) * u, c(68) * u, c(34) * u, 4 * scale * u)),
    cover(dist.circle(x, y, c(32) * u, c(66) * u, 13 * scale * u)),
    cover(dist.circle(x, y, c(68) * u, c(34) * u, 13 * scale * u))
  )
  rgb = rgb.map((v, i) => v + (WHITE[i] - v) * mark)
  const alpha = maskable ? 1 : cover(dist.roundedSquare(x + 0.5, y + 0.5, size, 22 * u))
  return [...rgb.map(Math.round), Math.round(alpha * 255)]
}

/** The size×size icon (pixels sampled at their centres). */
function png (size, maskable) {
  return encodePng(size, size, { channels: 4, level: 9 }, (y, row) => {
    for (let x = 0; x < size; x++) row.set(pixel(x + 0.5, y + 0.5, size, maskable), x * 4)
  })
}

for (const [name, size, maskable] of [
  ['icon-192.png', 192, false],
  ['icon-512.png', 512, false],
  ['maskable-512.png', 512, true],
  ['apple-touch-icon.png', 180, true]
]) {
  writeFileSync(join(publicDir, name), png(size, maskable))
  process.stdout.write(`wrote public/${name}\n`)
}
