/**
 * Masking of personal data for anything that leaves the partner backend.
 * Masks keep the length of the value so a user can recognise their own data.
 */

/** "张小宝" → "*小宝"; a single character is fully masked. */
export function maskName(name: string): string {
  const chars = Array.from(name.trim())
  if (chars.length === 0) return ''
  if (chars.length === 1) return '*'
  return '*' + chars.slice(1).join('')
}

/** "11204416541220243X" → "1120**********243X"; short values keep at most a quarter visible. */
export function maskIdCard(idCard: string): string {
  const chars = Array.from(idCard.trim())
  if (chars.length === 0) return ''
  const keep = Math.min(4, Math.floor(chars.length / 4))
  const head = chars.slice(0, keep).join('')
  const tail = keep > 0 ? chars.slice(-keep).join('') : ''
  return head + '*'.repeat(chars.length - 2 * keep) + tail
}
