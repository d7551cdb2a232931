import { exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { quoted } from './api-error.ts'

const request = (method: string, path: string) =>
  exports.default.fetch(`http://localhost${path}`, { method })

describe('the API around its routes', () => {
  it('answers an unknown path with 404 in the error shape', async () => {
    const res = await request('GET', '/api/nothing-here')
    expect(res.status).toBe(404)
    expect(await res.json()).toEqual({
      error: { code: 'not_found', message: 'No route for GET "/api/nothing-here".' },
    })
    // What the path holds is escaped and cut short: a line break, a right-to-left override.
    const odd = await request('GET', `/api/x${encodeURIComponent('\n\u202e')}${'y'.repeat(100)}`)
    const { error } = (await odd.json()) as { error: { message: string } }
    expect(error.message).toBe(`No route for GET "/api/x\\n\\u202e${'y'.repeat(56)}…".`)
    // A format character past U+FFFF (a tag character) is escaped whole, both its halves.
    expect(quoted('a\u{E0041}b\u0085')).toBe('"a\\udb40\\udc41b\\u0085"')
  })

  it('answers a known path asked with the wrong method with 405 and what it allows', async () => {
    const res = await request('POST', '/api/twilio/token')
    expect(res.status).toBe(405)
    expect(res.headers.get('Allow')).toBe('GET, HEAD')
    expect(await res.json()).toMatchObject({ error: { code: 'method_not_allowed' } })
    const conference = await request('PUT', '/api/twilio/conferences/conf-aaaaaaaaaaaaaaaaaaaa')
    expect(conference.status).toBe(405)
    expect(conference.headers.get('Allow')?.split(', ').sort()).toEqual(['DELETE', 'GET', 'HEAD'])
  })

  it('still answers 404 from a route that does not have what was asked for', async () => {
    const res = await request('GET', '/api/twilio/conferences/conf-aaaaaaaaaaaaaaaaaaaa')
    expect(res.status).toBe(404)
  })
})
