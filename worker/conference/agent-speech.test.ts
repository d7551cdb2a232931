import { describe, expect, it } from 'vitest'
import { AgentSpeech } from './agent-speech.ts'

describe('AgentSpeech after an interruption', () => {
  it('drops the rest of the response cut off, and plays a reply that comes with the same id', () => {
    const speech = new AgentSpeech()
    expect(speech.audio(3)).toBe('play')
    speech.interrupted(3)
    expect(speech.audio(3)).toBe('stale')
    expect(speech.audio(2)).toBe('stale')
    const fresh = new AgentSpeech()
    expect(fresh.audio(2)).toBe('play')
    fresh.interrupted(3)
    // The interruption's id is the reply to come, not the response under way (2).
    expect(fresh.audio(2)).toBe('stale')
    expect(fresh.audio(3)).toBe('play')
  })

  it('takes an interruption without an id to reach the response being played', () => {
    const speech = new AgentSpeech()
    speech.response(5)
    speech.interrupted(undefined)
    expect(speech.audio(5)).toBe('stale')
    expect(speech.audio(6)).toBe('play')
  })

  it('starts afresh with a new conversation, whose ids start afresh', () => {
    const speech = new AgentSpeech()
    speech.audio(40)
    speech.interrupted(40)
    speech.newConversation(false)
    expect(speech.audio(1)).toBe('play')
  })
})

describe("AgentSpeech's repeated greeting", () => {
  it("drops the new conversation's first response, audio and text, and nothing after it", () => {
    const speech = new AgentSpeech()
    speech.newConversation(true)
    expect(speech.response(1)).toBe(false)
    expect(speech.audio(1)).toBe('repeated_greeting')
    expect(speech.audio(1)).toBe('repeated_greeting')
    expect(speech.audio(2)).toBe('play')
    expect(speech.audio(1)).toBe('play')
  })

  it('is not waited for once someone has spoken, but stays dropped once under way', () => {
    const before = new AgentSpeech()
    before.newConversation(true)
    before.userSpoke()
    expect(before.audio(1)).toBe('play')
    const during = new AgentSpeech()
    during.newConversation(true)
    expect(during.audio(1)).toBe('repeated_greeting')
    during.userSpoke()
    expect(during.audio(1)).toBe('repeated_greeting')
  })

  it('is let go by an interruption, and not waited for on a first conversation', () => {
    const speech = new AgentSpeech()
    speech.newConversation(true)
    speech.interrupted(2)
    expect(speech.audio(2)).toBe('play')
    const first = new AgentSpeech()
    first.newConversation(false)
    expect(first.audio(1)).toBe('play')
  })
})
