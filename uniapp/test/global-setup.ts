// Builds the uni-app example for mp-weixin before the uniapp tests run, so that what the
// simulate tests load is what `uni build` produces from the committed sources.
import { buildExample } from '../scripts/build-example.mjs'

export default function setup(): void {
  buildExample()
}
