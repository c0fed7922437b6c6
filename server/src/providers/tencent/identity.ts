import type { Identity } from '@faceid-kit/shared'

/** The person to verify in Tencent's request fields (DetectAuth and GetEidToken name them alike). */
export function tencentIdentity(identity: Identity | undefined): { Name?: string; IdCard?: string } {
  return identity ? { Name: identity.name, IdCard: identity.idCard } : {}
}
