import { describe, expect, it } from 'vitest'
import type { TranscriptEntry } from '../api/wire.ts'
import { aLine, aRoom, CONFERENCE_ID } from './room-fixtures.ts'
import { transcriptFileName, transcriptText } from './transcript-file.ts'

/** Local times, as the file shows them: the tests may run in any time zone. */
const at = (hours: number, minutes: number, seconds: number) =>
  new Date(2026, 0, 1, hours, minutes, seconds).toISOString()
const room = aRoom({ createdAt: at(9, 59, 30) })
const byRole = (entry: TranscriptEntry) => (entry.role === 'agent' ? 'Agent' : 'You')

describe('the transcript as a file', () => {
  it('is named for the conference and the day it began', () => {
    expect(transcriptFileName(room)).toBe(`transcript-${CONFERENCE_ID}-2026-01-01.txt`)
  })

  it('gives every line with its time and who said it, a correction and an interruption marked', () => {
    const lines = [
      aLine({ seq: 0, role: 'user', text: 'Hi', at: at(10, 0, 1) }),
      aLine({
        seq: 1,
        role: 'agent',
        text: 'Hello, how can',
        at: at(10, 0, 2),
        corrected: true,
        interrupted: true,
      }),
    ]
    expect(transcriptText(room, lines, byRole)).toBe(
      [
        `Conference ${CONFERENCE_ID}, 2026-01-01 09:59:30`,
        '',
        '10:00:01 You: Hi',
        '10:00:02 Agent: Hello, how can (corrected) (interrupted)',
        '',
      ].join('\n'),
    )
  })
})
