import { createRequire } from 'node:module'

// jsdom ships no types; only its constructor and window are used here.
const { JSDOM } = createRequire(import.meta.url)('jsdom') as {
  JSDOM: new (html: string, options: { pretendToBeVisual: boolean }) => { window: Record<string, unknown> }
}

/** The DOM globals miniprogram-simulate and its exparser use, from a fresh jsdom window. */
export function installDom(): void {
  const { window } = new JSDOM('<!doctype html><html><head></head><body></body></html>', { pretendToBeVisual: true })
  const g = globalThis as Record<string, unknown>
  g.window = window
  for (const key of ['document', 'navigator', 'Node', 'Element', 'HTMLElement', 'Text', 'Comment', 'DocumentFragment', 'Event', 'CustomEvent', 'TouchEvent', 'MouseEvent', 'Image', 'MutationObserver', 'getComputedStyle', 'requestAnimationFrame', 'cancelAnimationFrame']) {
    // Node has its own Event/CustomEvent: jsdom's dispatchEvent needs jsdom's.
    const value = window[key]
    Object.defineProperty(g, key, { value: typeof value === 'function' && /^[a-z]/.test(key) ? value.bind(window) : value, configurable: true, writable: true })
  }
}
