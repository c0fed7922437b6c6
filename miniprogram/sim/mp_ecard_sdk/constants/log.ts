/** The real SDK keeps its version here; the simulation reports the build it behaves like. */
import { build } from '../sandbox'

export const Log = {
  get version(): string {
    return `${build()}-sim`
  },
}
