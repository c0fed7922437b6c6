export interface BuildOptions {
  /** Where to write miniprogram_dist, dist/sim, dist/sim-uni and demo/dist. Default: the miniprogram package. */
  outDir?: string
  /** Also build the simulated SDKs (dist/sim, and mp_ecard_sdk's uni-app layout in dist/sim-uni). Default true. */
  sims?: boolean
  /** Also build the demo app (needs the sims). Default true. */
  demo?: boolean
  /** Emit the kit's type declarations (miniprogram_dist/types). Default false. */
  types?: boolean
}
export interface BuildResult {
  kitDir: string
  simDir: string
  /** The uni-app layout: `<simUniDir>/mp_ecard_sdk` (ES modules, `index/index.vue`). */
  simUniDir: string
  demoDir: string
}
export function build(options?: BuildOptions): Promise<BuildResult>
