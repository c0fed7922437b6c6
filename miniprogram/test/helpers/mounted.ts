/** The parts of miniprogram-simulate's rendered component the tests use (its bundled types miss several). */
export interface MountedNode {
  dom: { textContent: string | null }
  dispatchEvent(name: string): void
}

export interface MountedComponent {
  data: Record<string, unknown>
  instance: unknown
  querySelector(selector: string): MountedNode
  addEventListener(event: string, handler: (event: { detail: unknown }) => void): void
  attach(parent: unknown): void
  detach(): void
  triggerPageLifeTime(name: 'show' | 'hide'): void
}
