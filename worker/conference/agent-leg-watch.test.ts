import { describe, expect, it } from 'vitest'
import {
  AGENT_LEG_CHECK_MS,
  AGENT_LEG_LOOKS,
  AGENT_LEG_RECHECK_MS,
  agentLegCheckDue,
  judgeAgentLeg,
  legHeardFrom,
  markUnheard,
  watchAgentLeg,
} from './agent-leg-watch.ts'
import { newRecord } from './room-record.ts'

const NOW = Date.parse('2026-12-07T10:00:00.000Z')

/** A Twilio conference's record, its agent leg's token issued and not spent. */
function twilioRoom() {
  return { ...newRecord('conf-1', 'agent-1', new Date(NOW).toISOString()), agentLegToken: 'leg' }
}

describe("the agent leg's watchdog", () => {
  it('watches a Twilio leg whose TwiML has not been asked for, from its creation', () => {
    const record = twilioRoom()
    expect(watchAgentLeg(record, NOW)).toEqual({ dueAt: NOW + AGENT_LEG_CHECK_MS, looks: 0 })
    expect(agentLegCheckDue(record)).toBe(NOW + AGENT_LEG_CHECK_MS)
    // Created twice (asked again after a reset): the first watch goes on.
    expect(watchAgentLeg(record, NOW + 5_000)).toBeUndefined()
    expect(agentLegCheckDue(record)).toBe(NOW + AGENT_LEG_CHECK_MS)
  })

  it('does not watch a local call, an ended one, or a leg whose TwiML was asked for already', () => {
    const local = { ...twilioRoom(), local: true as const, agentLegToken: undefined }
    const ended = { ...twilioRoom(), endedAt: new Date(NOW).toISOString() }
    const asked = { ...twilioRoom(), agentLegCallSid: 'CA1' }
    for (const record of [local, ended, asked]) {
      expect(watchAgentLeg(record, NOW)).toBeUndefined()
      expect(agentLegCheckDue(record)).toBe(Number.POSITIVE_INFINITY)
    }
  })

  it('gives up on a call Twilio says is over, or does not know', () => {
    const watch = { dueAt: NOW, looks: 0 }
    expect(judgeAgentLeg(watch, { status: 'failed' }, NOW)).toEqual({
      kind: 'unheard',
      twilioSays: 'Twilio says its call failed',
    })
    expect(judgeAgentLeg(watch, { status: 'completed' }, NOW)).toEqual({
      kind: 'unheard',
      twilioSays: 'Twilio says its call ended',
    })
    expect(judgeAgentLeg(watch, 'not_found', NOW)).toEqual({
      kind: 'unheard',
      twilioSays: 'Twilio has no such call',
    })
  })

  it('looks again at a call still queued, ringing or in progress, a few times', () => {
    let watch = { dueAt: NOW, looks: 0 }
    for (let look = 1; look < AGENT_LEG_LOOKS; look++) {
      const at = watch.dueAt
      const verdict = judgeAgentLeg(watch, { status: look === 1 ? 'queued' : 'ringing' }, at)
      expect(verdict).toEqual({
        kind: 'look_again',
        watch: { dueAt: at + AGENT_LEG_RECHECK_MS, looks: look },
      })
      if (verdict.kind === 'look_again') watch = verdict.watch
    }
    expect(judgeAgentLeg(watch, { status: 'in-progress' }, watch.dueAt)).toEqual({
      kind: 'unheard',
      twilioSays: 'Twilio says its call is still in-progress',
    })
  })

  it('counts a look Twilio did not answer, and says so at the last', () => {
    const last = { dueAt: NOW, looks: AGENT_LEG_LOOKS - 1 }
    expect(judgeAgentLeg({ dueAt: NOW, looks: 0 }, undefined, NOW)).toMatchObject({
      kind: 'look_again',
    })
    expect(judgeAgentLeg(last, undefined, NOW)).toEqual({
      kind: 'unheard',
      twilioSays: 'Twilio could not be asked about its call',
    })
  })

  it("takes the verdict back when the leg's TwiML is asked for after all", () => {
    const record = twilioRoom()
    watchAgentLeg(record, NOW)
    markUnheard(record)
    record.agent = { ...record.agent, status: 'unavailable', error: 'never asked' }
    expect(agentLegCheckDue(record)).toBe(Number.POSITIVE_INFINITY)
    expect(legHeardFrom(record)).toBe(true)
    expect(record.agent).toEqual({ status: 'waiting', speaking: false, reconnects: 0 })
    expect(record.agentLegUnheard).toBeUndefined()
  })

  it('only ends the watch when the TwiML is asked for in time', () => {
    const record = twilioRoom()
    watchAgentLeg(record, NOW)
    expect(legHeardFrom(record)).toBe(false)
    expect(agentLegCheckDue(record)).toBe(Number.POSITIVE_INFINITY)
    expect(record.agent.status).toBe('waiting')
  })
})
