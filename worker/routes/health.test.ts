import { exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'

describe('GET /api/health', () => {
  it('names the missing settings and never a value', async () => {
    const res = await exports.default.fetch('http://localhost/api/health')
    expect(res.status).toBe(200)
    const body = await res.json<{ status: string; missing: { name: string }[] }>()
    expect(body.status).toBe('incomplete')
    expect(body.missing.map((m) => m.name)).toContain('TWILIO_AUTH_TOKEN')
  })
})
