/**
 * uni-app build only (the WeChat builds have no globalConfig.js and open their confirm page at
 * the fixed `/mp_ecard_sdk/index/index`): where the SDK folder sits below the app root
 * ('' = at the root, e.g. '/pages' otherwise).
 */
export default { normalPath: '' }
