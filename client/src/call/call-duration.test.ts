import { describe, expect, it } from 'vitest'
import { formatDuration } from './call-duration.ts'

describe('formatDuration', () => {
  it('shows minutes and seconds under an hour', () => {
    expect(formatDuration(0)).toBe('0:00')
    expect(formatDuration(65_999)).toBe('1:05')
  })

  it('adds hours from one hour on', () => {
    expect(formatDuration(3_600_000 + 61_000)).toBe('1:01:01')
  })

  it('never shows a negative time (clocks may disagree)', () => {
    expect(formatDuration(-5000)).toBe('0:00')
  })
})
