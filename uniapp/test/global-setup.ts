// Builds the uni-app example for mp-weixin before the uniapp tests run, so that what the
// simulate tests load is what `uni build` produces from the committed sources.
import { buildExample } from '../scripts/build-example.mjs'

export default async function setup(): Promise<void> {
  // For quick runs of the unit tests while working on them; never set in CI.
  if (process.env.FACEID_KIT_SKIP_EXAMPLE_BUILD === '1') return
  await buildExample()
}
