/**
 * The page's microphone and speaker for a local call: one AudioContext with two
 * worklets (local-audio.worklet.ts), the microphone's samples handed to the
 * caller as they come and the room's audio played in order, marks reported
 * once heard. The browser's echo cancellation, noise suppression and gain
 * control are asked for, as a call needs them; headphones still help.
 */
import type { SpeakerCommand } from './local-audio.worklet.ts'
import workletUrl from './local-audio.worklet.ts?worker&url'
import type { Playback } from './local-stream.ts'

export interface LocalAudioHandlers {
  /** The microphone's next samples, -1..1 at `sampleRate`. */
  captured(samples: Float32Array): void
  /** The microphone went away (unplugged, or its permission withdrawn): why, for the person. */
  lost(reason: string): void
  /** Everything queued before mark `name` has played. */
  played(name: string): void
}

export interface LocalAudio extends Playback {
  readonly sampleRate: number
  setMuted(muted: boolean): void
  close(): void
}

/** Asks for the microphone (the browser may prompt) and starts the audio graph. */
export async function openLocalAudio(handlers: LocalAudioHandlers): Promise<LocalAudio> {
  const microphone = await navigator.mediaDevices.getUserMedia({
    audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
  })
  const context = new AudioContext({ latencyHint: 'interactive' })
  try {
    await context.audioWorklet.addModule(workletUrl)
    // Started from the click that placed the call, so the autoplay policy allows it.
    await context.resume()
  } catch (error) {
    release(microphone, context)
    throw error
  }
  const capture = new AudioWorkletNode(context, 'microphone', { numberOfOutputs: 0 })
  capture.port.onmessage = ({ data }: MessageEvent<Float32Array>) => handlers.captured(data)
  context.createMediaStreamSource(microphone).connect(capture)
  const speaker = new AudioWorkletNode(context, 'speaker', {
    numberOfInputs: 0,
    outputChannelCount: [1],
  })
  speaker.port.onmessage = ({ data }: MessageEvent<{ played: string }>) =>
    handlers.played(data.played)
  speaker.connect(context.destination)
  const command = (message: SpeakerCommand, transfer: Transferable[] = []) =>
    speaker.port.postMessage(message, transfer)
  for (const track of microphone.getAudioTracks()) {
    track.addEventListener('ended', () => handlers.lost('The microphone was disconnected.'))
  }
  // The browser may stop the audio (another application taking the device, a phone call on
  // a mobile): take it back. What was queued plays on from where it stopped; it is mostly
  // speech sent ahead of time (ElevenLabs sends faster than real time), not stale.
  context.addEventListener('statechange', () => {
    if (context.state !== 'running' && context.state !== 'closed') {
      context.resume().catch(() => {})
    }
  })

  return {
    sampleRate: context.sampleRate,
    play: (samples) => command({ play: samples }, [samples.buffer]),
    mark: (name) => command({ mark: name }),
    clear: () => command({ clear: true }),
    setMuted(muted) {
      for (const track of microphone.getAudioTracks()) track.enabled = !muted
    },
    close: () => release(microphone, context),
  }
}

function release(microphone: MediaStream, context: AudioContext): void {
  for (const track of microphone.getTracks()) track.stop()
  void context.close()
}
