/**
 * The PostgreSQL backends serving the benchmark's own connections, when the server runs on this
 * machine: their CPU time is the database's share of an issuance, which a bare route does not
 * have (Linux `/proc`).
 */
import fs from 'node:fs/promises'

/**
 * The pids among `pids` that are PostgreSQL processes on this machine (`/proc/<pid>/comm` is
 * `postgres`). A remote server's pids name nothing here, or another program.
 */
export async function localBackends(pids: readonly number[]): Promise<number[]> {
  const local: number[] = []
  for (const pid of pids) {
    const comm = await fs.readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')
    if (comm.trim() === 'postgres') local.push(pid)
  }
  return local
}

/** CPU time (user + system) of each local process that is still there, µs, from `/proc/<pid>/stat`. */
export async function cpuTimesUs(pids: readonly number[]): Promise<Map<number, number>> {
  const times = new Map<number, number>()
  for (const pid of pids) {
    const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined)
    if (!stat) continue
    // The fields after the command name (which may hold spaces and parentheses): utime and stime
    // are the 12th and 13th, in clock ticks of USER_HZ, 100 per second on Linux.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    times.set(pid, (Number(fields[11]) + Number(fields[12])) * 10_000)
  }
  return times
}

/**
 * CPU time spent between two readings, µs: by the processes of `after`, each from its time in
 * `before`, or from 0 when it started in between (a pooled connection opened during the run). A
 * process gone by `after` (an idle connection the pool closed) is left out.
 */
export function cpuSpentUs(before: ReadonlyMap<number, number>, after: ReadonlyMap<number, number>): number {
  let spent = 0
  for (const [pid, us] of after) spent += us - (before.get(pid) ?? 0)
  return spent
}
