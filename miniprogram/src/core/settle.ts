/** A promise whose first resolve/reject wins; later calls are ignored and reported as `false`. */
export interface Settler<T> {
  readonly promise: Promise<T>
  readonly settled: boolean
  resolve(value: T): boolean
  reject(error: unknown): boolean
}

export function createSettler<T>(onSettle?: () => void): Settler<T> {
  let done = false
  let res!: (value: T) => void
  let rej!: (error: unknown) => void
  const promise = new Promise<T>((resolve, reject) => {
    res = resolve
    rej = reject
  })
  const finish = (): boolean => {
    if (done) return false
    done = true
    onSettle?.()
    return true
  }
  return {
    promise,
    get settled() {
      return done
    },
    resolve(value) {
      if (!finish()) return false
      res(value)
      return true
    },
    reject(error) {
      if (!finish()) return false
      rej(error)
      return true
    },
  }
}
