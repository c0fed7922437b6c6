export interface BuildOptions {
  /** Where to write miniprogram_dist, dist/sim and demo/dist. Default: the miniprogram package. */
  outDir?: string
  /** Also build the simulated SDKs (dist/sim). Default true. */
  sims?: boolean
  /** Also build the demo app (needs the sims). Default true. */
  demo?: boolean
  /** Emit the kit's type declarations (miniprogram_dist/types). Default false. */
  types?: boolean
}
export interface BuildResult {
  kitDir: string
  simDir: string
  demoDir: string
}
export function build(options?: BuildOptions): Promise<BuildResult>
