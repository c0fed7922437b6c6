/**
 * The platform-independent core of the mini-program kit, reused as is (no fork). In this
 * repository it comes from the workspace package; `npm run pack -w uniapp` replaces this file with
 * a copy of the core (js_sdk/core/) so the packed uni_modules folder stands alone.
 */
export * from '@faceid-kit/miniprogram/core'
