#!/usr/bin/env node
/** Prints the bytes the kit adds to a mini-program: miniprogram_dist as built (code, templates, styles, configs). */
import { readdir, stat } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../miniprogram_dist')
const COUNTED = new Set(['.js', '.json', '.wxml', '.wxss'])
const GOAL = 20 * 1024

async function files(dir) {
  const out = []
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) out.push(...(await files(full)))
    else if (COUNTED.has(path.extname(entry.name))) out.push(full)
  }
  return out
}

/** Separate entries a mini-program adds only when it uses them (Megvii's): printed, not counted. */
const SEPARATE = ['megvii-verify']

const rows = []
const separate = []
for (const file of (await files(DIST)).sort()) {
  const name = path.relative(DIST, file)
  ;(SEPARATE.some((entry) => name.startsWith(entry + path.sep)) ? separate : rows).push([name, (await stat(file)).size])
}
const total = rows.reduce((sum, [, size]) => sum + size, 0)
const width = Math.max(...rows.map(([name]) => name.length))
for (const [name, size] of rows) console.log(`${name.padEnd(width)}  ${String(size).padStart(6)} B`)
console.log(`${'total'.padEnd(width)}  ${String(total).padStart(6)} B  (${(total / 1024).toFixed(1)} KB; goal ≤ ${GOAL / 1024} KB: ${total <= GOAL ? 'met' : 'over'})`)
for (const [name, size] of separate) console.log(`${name.padEnd(width)}  ${String(size).padStart(6)} B  (separate entry, not in the total)`)
