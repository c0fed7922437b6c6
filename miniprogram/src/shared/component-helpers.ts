import type { ServerOverrides } from '../core/kit'

/** Component properties → per-call server overrides (empty values fall back to `configure`). */
export function serverOverrides(data: { baseUrl?: string; header?: Record<string, unknown> }): ServerOverrides {
  const overrides: ServerOverrides = {}
  if (data.baseUrl) overrides.baseUrl = data.baseUrl
  const header = data.header
  if (header && typeof header === 'object' && Object.keys(header).length > 0) {
    const clean: Record<string, string> = {}
    for (const [key, value] of Object.entries(header)) if (typeof value === 'string') clean[key] = value
    overrides.header = clean
  }
  return overrides
}
