/** Where the SDK folder sits below the app root ('' = at the root, e.g. '/pages' otherwise). */
export default { normalPath: '' }
