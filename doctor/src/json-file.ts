/**
 * JSON configuration files as WeChat DevTools and uni-app read them: app.json and
 * project.config.json are JSON, pages.json and manifest.json allow comments. All are parsed with
 * jsonc-parser so that a finding can point at the line of a key.
 */
import { findNodeAtLocation, parse, parseTree, type JSONPath, type ParseError } from 'jsonc-parser'

export interface JsonFile {
  /** Relative to the project root. */
  file: string
  text: string
  value: unknown
  /** The first syntax error, as a line number, when the file does not parse. */
  errorLine?: number
}

export function parseJsonFile(file: string, text: string): JsonFile {
  const errors: ParseError[] = []
  const value: unknown = parse(text, errors, { allowTrailingComma: true, disallowComments: false })
  const first = errors[0]
  return first ? { file, text, value, errorLine: lineAt(text, first.offset) } : { file, text, value }
}

/** The 1-based line of `offset` in `text`. */
export function lineAt(text: string, offset: number): number {
  let line = 1
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++
  return line
}

/** The line where the value at `path` sits, when it exists. */
export function lineOf(json: JsonFile, path: JSONPath): number | undefined {
  const tree = parseTree(json.text)
  const node = tree && findNodeAtLocation(tree, path)
  return node ? lineAt(json.text, node.parent?.type === 'property' ? node.parent.offset : node.offset) : undefined
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** `value[key]` when it is an object. */
export function recordAt(value: unknown, key: string): Record<string, unknown> | undefined {
  if (!isRecord(value)) return undefined
  const child = value[key]
  return isRecord(child) ? child : undefined
}

/** The string entries of an object (e.g. usingComponents). */
export function stringEntries(value: unknown): [string, string][] {
  if (!isRecord(value)) return []
  return Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string')
}
