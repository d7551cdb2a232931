/**
 * Guards the committed encoder reference: it must still be what the
 * installed `alawmulaw` produces (the package only runs here, in Node).
 */
import alawmulaw from 'alawmulaw'
import { describe, expect, it } from 'vitest'
import { ALAWMULAW_ENCODED_RUNS } from './fixtures/mulaw-reference.ts'
import { encodeMulaw } from './mulaw.ts'

describe('mu-law encoder reference', () => {
  it('matches alawmulaw for every 16-bit sample', () => {
    const samples = Int16Array.from({ length: 65536 }, (_, i) => i - 32768)
    const fromPackage = alawmulaw.mulaw.encode(samples)
    const fromRuns = ALAWMULAW_ENCODED_RUNS.flatMap(([code, count]) =>
      Array<number>(count).fill(code),
    )
    expect(Array.from(fromPackage)).toEqual(fromRuns)
    expect(Array.from(encodeMulaw(samples))).toEqual(Array.from(fromPackage))
  })
})
