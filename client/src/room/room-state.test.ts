import { describe, expect, it } from 'vitest'
import { aLine, anAgent, anUpdate, aPhone, aRoom } from './room-fixtures.ts'
import { parseRoomEvent, roomReducer } from './room-state.ts'

describe('roomReducer', () => {
  it('takes a snapshot whole', () => {
    const snapshot = aRoom({ status: 'in-progress', transcript: [aLine()] })
    expect(roomReducer(aRoom(), { type: 'snapshot', room: snapshot })).toEqual(snapshot)
  })

  it('keeps the transcript through updates, which do not carry it', () => {
    const before = aRoom({ transcript: [aLine()] })
    const changed = aRoom({ participants: [anAgent({ speaking: true })] })
    const after = roomReducer(before, { type: 'update', room: anUpdate(changed) })
    expect(after.participants).toEqual([anAgent({ speaking: true })])
    expect(after.transcript).toEqual([aLine()])
  })

  it('merges transcript entries', () => {
    const line = aLine({ eventId: 2 })
    const room = roomReducer(aRoom(), { type: 'transcript', entry: line })
    const corrected = roomReducer(room, {
      type: 'transcript',
      entry: { ...line, text: 'Fixed', corrected: true },
    })
    expect(corrected.transcript).toEqual([{ ...line, text: 'Fixed', corrected: true }])
  })

  it("adds a dialled participant from the API's answer and replaces it on later answers", () => {
    const dialing = aPhone({ status: 'dialing' })
    const room = roomReducer(aRoom({ participants: [anAgent()] }), {
      type: 'participant',
      participant: dialing,
    })
    expect(room.participants).toEqual([anAgent(), dialing])
    const muted = roomReducer(room, { type: 'participant', participant: aPhone({ muted: true }) })
    expect(muted.participants).toEqual([anAgent(), aPhone({ muted: true })])
  })

  it("does not take a participant back to an API answer older than the socket's news", () => {
    const ringing = aPhone({ status: 'ringing' })
    const room = aRoom({ participants: [anAgent(), ringing] })
    // The dial's answer, 'dialing', arriving after the socket said it rings.
    const late = roomReducer(room, {
      type: 'participant',
      participant: aPhone({ status: 'dialing' }),
    })
    expect(late.participants).toEqual([anAgent(), ringing])
    // A rejoin is a new call: its answer stands, whatever the old call's state.
    const gone = aRoom({ participants: [aPhone({ status: 'left' })] })
    const rejoined = aPhone({ status: 'dialing', callSid: `CA${'9'.repeat(32)}` })
    const next = roomReducer(gone, { type: 'participant', participant: rejoined })
    expect(next.participants).toEqual([rejoined])
  })

  it('ends a conference the API no longer has, keeping what the page knew of it', () => {
    const live = aRoom({ status: 'in-progress', transcript: [aLine()] })
    const gone = roomReducer(live, { type: 'gone' })
    expect(gone).toMatchObject({ status: 'ended', transcript: [aLine()] })
    expect(gone.agent.speaking).toBe(false)
    const ended = aRoom({ status: 'ended', endedReason: 'the host left' })
    expect(roomReducer(ended, { type: 'gone' })).toEqual(ended)
  })

  it('shows nobody still on a call whose record is gone, though the page last saw them joined', () => {
    // Its last news was from before the end (the event socket down for over an hour).
    const stale = aRoom({
      status: 'ended',
      endedReason: 'the host left',
      participants: [
        aPhone({ status: 'joined', speaking: true }),
        aPhone({ label: 'phone-2', status: 'failed' }),
      ],
    })
    const gone = roomReducer(stale, { type: 'gone' })
    expect(gone.participants.map((p) => [p.status, p.speaking])).toEqual([
      ['left', false],
      ['failed', false],
    ])
    expect(gone.endedReason).toBe('the host left')
  })
})

describe('parseRoomEvent', () => {
  it('accepts the three message types', () => {
    const room = aRoom()
    for (const message of [
      { type: 'snapshot', room },
      { type: 'update', room: anUpdate(room) },
      { type: 'transcript', entry: aLine() },
    ]) {
      expect(parseRoomEvent(JSON.stringify(message))).toEqual(message)
    }
  })

  it('ignores anything else', () => {
    for (const data of ['not json', 'null', '{"type":"ping"}', '{"type":"update"}']) {
      expect(parseRoomEvent(data)).toBeUndefined()
    }
  })
})
