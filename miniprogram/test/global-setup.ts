import { build } from '../scripts/build.mjs'

// Builds miniprogram_dist, dist/sim and demo/dist before any test loads them.
export default async function setup(): Promise<void> {
  await build({ types: true })
}
