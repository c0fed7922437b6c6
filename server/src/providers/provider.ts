/**
 * The seam between faceid-kit and a verification provider. A provider's client exposes its API
 * as one generic `call(action, request, options)` over a type map of its actions, so the
 * resilience wrappers (retry, rate limit) and test interceptors wrap any provider without
 * listing its actions again. The flows (`flows/`) say which action issues a token and which one
 * fetches a result; billing asks for the bill the same way.
 */

/** Per-call options every provider call takes. */
export interface CallOptions {
  /**
   * Ends the call early: the HTTP request is aborted and its socket destroyed. A signal aborted
   * with a `DeadlineExceeded` reason makes the call reject with `UpstreamTimeoutError`.
   */
  signal?: AbortSignal
}

/** A provider's actions: each name to its `[request, response]` types. */
export type ActionMap = { readonly [action: string]: readonly [request: object, response: object] }

/** The request type of `action`. */
export type RequestOf<A extends ActionMap, K extends keyof A> = A[K][0]
/** The response type of `action`. */
export type ResponseOf<A extends ActionMap, K extends keyof A> = A[K][1]

/** A client of one provider's API: every action through one method. */
export interface ProviderClient<A extends ActionMap> {
  call<K extends keyof A & string>(action: K, request: RequestOf<A, K>, options?: CallOptions): Promise<ResponseOf<A, K>>
  /**
   * Set by a client whose every call ends on its own within this many ms (its deadline per
   * attempt, socket closed). A retry budget at least as long then needs no timer of its own
   * for the first attempt. Wrappers that may hold a call back (a rate limiter) leave it unset.
   */
  readonly attemptTimeoutMs?: number | undefined
}

/** Runs one call on behalf of a wrapper; `next` is the wrapped client's call. */
export type CallWrapper = (action: string, next: (options: CallOptions | undefined) => Promise<object>, options: CallOptions | undefined) => Promise<object>

/**
 * The same client with every call passed through `wrapper` (retries, pacing, instrumentation).
 * The wrapper sees the action's name, never its types: it may delay, repeat or fail the call,
 * and returns what `next` returned.
 */
export function wrapClient<A extends ActionMap>(client: ProviderClient<A>, wrapper: CallWrapper): ProviderClient<A> {
  return {
    call<K extends keyof A & string>(action: K, request: RequestOf<A, K>, options?: CallOptions): Promise<ResponseOf<A, K>> {
      // The wrapper hands back `next`'s own answer, so its type is the action's response.
      return wrapper(action, (o) => client.call(action, request, o), options) as Promise<ResponseOf<A, K>>
    },
  }
}

/**
 * The same client with the calls of one action passed through `around`, typed by that action;
 * other actions go straight through. For instrumentation and tests.
 */
export function aroundAction<A extends ActionMap, K extends keyof A & string>(
  client: ProviderClient<A>,
  action: K,
  around: (request: RequestOf<A, K>, next: (request: RequestOf<A, K>, options?: CallOptions) => Promise<ResponseOf<A, K>>, options: CallOptions | undefined) => Promise<ResponseOf<A, K>>,
): ProviderClient<A> {
  return {
    call<J extends keyof A & string>(name: J, request: RequestOf<A, J>, options?: CallOptions): Promise<ResponseOf<A, J>> {
      if ((name as string) !== action) return client.call(name, request, options)
      // Here J is K: the same name, so the same request and response types.
      const next = (r: RequestOf<A, K>, o?: CallOptions): Promise<ResponseOf<A, K>> => client.call(action, r, o)
      return around(request as RequestOf<A, K>, next, options) as Promise<ResponseOf<A, J>>
    },
  }
}
