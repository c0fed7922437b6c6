/** sha256 of the example's package-lock.json, the key of the installed tree. */
export function lockHash(exampleDir: string): string
/** true when `npm ci` has to run (no install yet, or one from another lock file). */
export function depsOutdated(exampleDir: string): boolean
/** Runs `npm ci` in the example when needed (holding the install lock); returns whether it did. */
export function ensureExampleDeps(exampleDir: string, log?: (message: string) => void): boolean
