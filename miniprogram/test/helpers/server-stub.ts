/** In-memory faceid routes (docs/architecture.md, "HTTP contract") behind FakeWx.router. */
import type { FakeRequest, FakeResponse } from './fake-wx'
import { makeToken } from './fake-wx'

export type Status = 'pending' | 'passed' | 'failed' | 'expired'

export class ServerStub {
  private next = 100
  readonly issued: string[] = []
  readonly results = new Map<string, Status>()
  /** Make the next token request fail with this status and error code. */
  failNextToken?: { statusCode: number; code: string }

  readonly route = (req: FakeRequest): FakeResponse => {
    const match = /\/faceid\/(biz|eid)-token(?:\/([^/?]+))?$/.exec(req.url)
    if (!match) return { statusCode: 404, data: { error: { code: 'not_found', message: 'no route' } } }
    const kind = match[1] === 'biz' ? 'face' : 'eid'
    if (req.method === 'POST') {
      if (this.failNextToken) {
        const { statusCode, code } = this.failNextToken
        this.failNextToken = undefined
        return { statusCode, data: { error: { code, message: '服务暂不可用' } } }
      }
      const token = makeToken(this.next++)
      this.issued.push(token)
      const lifetime = kind === 'eid' ? 600_000 : 7_200_000
      return { statusCode: 201, data: { token, kind, expiresAt: new Date(Date.now() + lifetime).toISOString() } }
    }
    const token = decodeURIComponent(match[2] ?? '')
    if (!this.issued.includes(token)) return { statusCode: 404, data: { error: { code: 'not_found', message: 'No such token' } } }
    const status = this.results.get(token) ?? 'pending'
    return {
      statusCode: 200,
      data: {
        token,
        kind,
        status,
        ...(status === 'failed' ? { code: 2002, message: '身份证号与姓名不匹配' } : {}),
        ...(status === 'passed' ? { code: 0, identity: { name: '*小宝', idCard: '1120**********243X' } } : {}),
        updatedAt: new Date().toISOString(),
      },
    }
  }

  get last(): string {
    return this.issued[this.issued.length - 1] ?? ''
  }
}
