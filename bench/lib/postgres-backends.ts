/**
 * The PostgreSQL backends serving the benchmark's own connections, when the server runs on this
 * machine: their CPU time is the database's share of an issuance, which a bare route does not
 * have (Linux `/proc`).
 */
import fs from 'node:fs/promises'

/**
 * CPU time (user + system), µs, of each of `pids` that is a PostgreSQL process on this machine
 * now, from `/proc/<pid>/stat`. A remote server's pids name nothing here, or another program
 * (its command name is not `postgres`); either is left out, as is a process already gone.
 */
export async function postgresCpuTimesUs(pids: readonly number[]): Promise<Map<number, number>> {
  const times = new Map<number, number>()
  for (const pid of pids) {
    const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined)
    // `<pid> (<command>) <state> …`; the command may hold spaces and parentheses.
    const close = stat?.lastIndexOf(')') ?? -1
    if (!stat || close < 0 || stat.slice(stat.indexOf('(') + 1, close) !== 'postgres') continue
    // After the command: utime and stime are the 12th and 13th fields, in clock ticks of
    // USER_HZ, 100 per second on Linux.
    const fields = stat.slice(close + 2).split(' ')
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
