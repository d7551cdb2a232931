import { describe, expect, it } from 'vitest'
import type { StreamStart } from '../twilio/media-stream.ts'
import {
  acceptStart,
  awaitNewStream,
  beginResume,
  isAgentLeg,
  MAX_STREAM_RESUMES,
  markLost,
  RESUME_WINDOW_MS,
  recordRestart,
  resumeRefusal,
  spendLegToken,
} from './agent-leg.ts'
import { newBridgeStats } from './bridge-stats.ts'
import { foldBridge, newRecord } from './room-record.ts'
import { Roster } from './roster.ts'
import { Transcript } from './transcript.ts'

function room() {
  const record = newRecord('conf-1', 'agent-1', '2026-12-07T10:00:00.000Z')
  const roster = new Roster({ participants: record.participants, conference: record.conference })
  return { record, roster }
}

/** A stream's `start`, carrying `streamToken` unless it is undefined. */
const start = (streamToken: string | undefined, conferenceId = 'conf-1'): StreamStart => ({
  streamSid: 'MZ1',
  callSid: 'CA-stream',
  accountSid: 'AC1',
  tracks: ['inbound'],
  customParameters: { ...(streamToken && { streamToken }), conferenceId },
  mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
})

describe("the agent leg's one-time tokens", () => {
  it('lets the TwiML in once, then the stream once, and only for this conference', () => {
    const { record, roster } = room()
    record.agentLegToken = 'leg-token'
    expect(spendLegToken(record, 'wrong', 'CA1')).toMatchObject({ ok: false, code: 'forbidden' })
    const spent = spendLegToken(record, 'leg-token', 'CA1')
    expect(spent.ok).toBe(true)
    expect(spendLegToken(record, 'leg-token', 'CA2')).toMatchObject({
      ok: false,
      code: 'forbidden',
    })
    // The same leg asking again (its answer lost to a reset) gets the same answer.
    expect(spendLegToken(record, 'leg-token', 'CA1')).toEqual(spent)
    expect(spendLegToken(record, 'wrong', 'CA1')).toMatchObject({ ok: false })
    const streamToken = spent.ok ? spent.streamToken : ''
    expect(acceptStart(record, roster, start(streamToken, 'conf-2'))).toBe(false)
    expect(acceptStart(record, roster, start(undefined))).toBe(false)
    expect(acceptStart(record, roster, start(streamToken))).toBe(true)
    expect(acceptStart(record, roster, start(streamToken))).toBe(false)
    // Once its stream has started, asking again lets nothing in.
    expect(spendLegToken(record, 'leg-token', 'CA1')).toMatchObject({ ok: false })
  })

  it("keeps the participant's CallSid and the stream's apart", () => {
    const { record, roster } = room()
    roster.upsert({ label: 'agent', kind: 'agent', callSid: 'CA-participant', status: 'joined' })
    record.streamToken = 't'
    acceptStart(record, roster, start('t'))
    expect(roster.find('agent')?.callSid).toBe('CA-participant')
    expect(record.streamCallSid).toBe('CA-stream')
    const agent = roster.find('agent')
    expect(isAgentLeg(record, agent, { callSid: 'CA-participant' })).toBe(true)
    expect(isAgentLeg(record, agent, { callSid: 'CA-stream' })).toBe(true)
    expect(isAgentLeg(record, agent, { callSid: 'CA-x', parentCallSid: 'CA-participant' })).toBe(
      true,
    )
    expect(isAgentLeg(record, agent, { callSid: 'CA-x' })).toBe(false)
    if (agent) agent.status = 'left'
    expect(isAgentLeg(record, agent, { callSid: 'CA-participant' })).toBe(false)
  })
})

describe("a lost stream's resume", () => {
  it(`goes on only after a loss, at most ${MAX_STREAM_RESUMES} times in a while`, () => {
    const { record } = room()
    const start = Date.parse('2026-12-07T10:00:00Z')
    expect(resumeRefusal(record, false, start)).toMatchObject({ code: 'conflict' })
    for (let n = 1; n <= MAX_STREAM_RESUMES; n++) {
      markLost(record, `MZ${n}`)
      const at = start + n * 60_000
      expect(resumeRefusal(record, false, at)).toBeUndefined()
      expect(beginResume(record, at)).toEqual(record.streamToken)
    }
    markLost(record, 'MZ-last')
    const fourth = start + (MAX_STREAM_RESUMES + 1) * 60_000
    expect(resumeRefusal(record, false, fourth)?.message).toBe(
      `lost its stream ${MAX_STREAM_RESUMES + 1} times in 10 minutes`,
    )
    expect(record.lostStreams).toHaveLength(MAX_STREAM_RESUMES + 1)
    // A long call outlives deploys spread over it: once the first resume is a window old,
    // its place is free again.
    const later = start + 60_000 + RESUME_WINDOW_MS
    expect(resumeRefusal(record, false, later - 1)).toBeDefined()
    expect(resumeRefusal(record, false, later)).toBeUndefined()
    beginResume(record, later)
    expect(record.streamResumes).toBe(MAX_STREAM_RESUMES + 1)
    expect(record.streamResumedAt).toHaveLength(MAX_STREAM_RESUMES)
  })

  it('counts the resumes of a record saved before their times were kept as recent', () => {
    const { record } = room()
    record.streamResumes = MAX_STREAM_RESUMES
    markLost(record, 'MZ1')
    expect(resumeRefusal(record)).toMatchObject({ code: 'conflict' })
    record.streamResumes = MAX_STREAM_RESUMES - 1
    expect(resumeRefusal(record)).toBeUndefined()
  })

  it('counts a resume once, whether the record came before reconnectsBefore existed or after', () => {
    const newBridge = () => ({
      agent: { status: 'connecting' as const, speaking: false, reconnects: 0 },
      stream: { status: 'live' as const, streamSid: 'MZ2' },
      transcript: new Transcript(),
      stats: newBridgeStats(),
    })
    const { record } = room()
    record.agent = { status: 'ready', speaking: false, reconnects: 2 }
    beginResume(record)
    awaitNewStream(record)
    expect(foldBridge(record, newBridge()).agent).toMatchObject({
      status: 'reconnecting',
      reconnects: 3,
    })
    // Saved by the code before (a deploy between the resume and the new stream's start).
    const legacy = room().record
    legacy.streamResumes = 1
    expect(foldBridge(legacy, newBridge()).agent.reconnects).toBe(1)
  })

  it("awaits the new stream with the call's counts so far and the agent reconnecting", () => {
    const { record } = room()
    record.stats = { ...newBridgeStats(), twilioFrames: 7 }
    record.agent = { status: 'ready', speaking: true, reconnects: 0, error: 'old' }
    awaitNewStream(record)
    expect(record.statsBefore?.twilioFrames).toBe(7)
    expect(record.stream).toEqual({ status: 'awaiting' })
    expect(record.agent).toMatchObject({
      status: 'reconnecting',
      speaking: false,
      error: undefined,
    })
  })

  it('after a restart marks a Twilio stream lost, and keeps why an unavailable agent stopped', () => {
    const { record } = room()
    record.stream = { status: 'live', streamSid: 'MZ1' }
    record.agent = { status: 'unavailable', speaking: false, reconnects: 0, error: 'refused' }
    recordRestart(record)
    expect(record).toMatchObject({ streamLost: true, lostStreams: ['MZ1'] })
    expect(record.stream.status).toBe('stopped')
    expect(record.agent.error).toBe('refused')
  })
})
