import { exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { TEST_CREDENTIALS } from '../../test/test-env.ts'

describe('GET /api/health', () => {
  it('reports every setting as present without revealing any value', async () => {
    const res = await exports.default.fetch('http://localhost/api/health')
    expect(res.status).toBe(200)
    const text = await res.text()
    for (const value of Object.values(TEST_CREDENTIALS)) expect(text).not.toContain(value)
    const body = JSON.parse(text)
    expect(body.status).toBe('ok')
    expect(body.missing).toEqual([])
  })

  it('warns that the API is open while APP_ACCESS_KEY is unset', async () => {
    const body = await (await exports.default.fetch('http://localhost/api/health')).json<{
      warnings: string[]
    }>()
    expect(body.warnings.join('\n')).toMatch(/APP_ACCESS_KEY is not set/)
  })
})
