/** The command was used wrongly or cannot read the project: exit code 2, never a finding. */
export class DoctorUsageError extends Error {
  override readonly name = 'DoctorUsageError'
}
