import { describe, expect, it } from 'vitest'
import { AGENT_AUDIO_FORMATS, parseAgentAudioFormat, sampleRateOf } from './formats.ts'

describe('agent audio formats', () => {
  it('accepts every format of the ElevenLabs contract', () => {
    const contract = [
      'pcm_8000',
      'pcm_16000',
      'pcm_22050',
      'pcm_24000',
      'pcm_44100',
      'pcm_48000',
      'ulaw_8000',
    ]
    for (const name of contract) expect(parseAgentAudioFormat(name)).toBe(name)
    expect([...AGENT_AUDIO_FORMATS].sort()).toEqual([...contract].sort())
  })

  it('rejects anything else, including inherited property names', () => {
    for (const value of ['pcm_32000', 'PCM_16000', 'mp3_44100_128', '', 'toString', 16000, null]) {
      expect(parseAgentAudioFormat(value)).toBeUndefined()
    }
  })

  it('gives the sample rate named in the format', () => {
    expect(sampleRateOf('ulaw_8000')).toBe(8000)
    expect(sampleRateOf('pcm_22050')).toBe(22050)
    expect(sampleRateOf('pcm_44100')).toBe(44100)
    expect(sampleRateOf('pcm_48000')).toBe(48000)
  })
})
