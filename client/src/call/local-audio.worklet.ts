/**
 * The audio thread's half of a local call (an AudioWorklet module, so no imports):
 * - `microphone`: hands the microphone's samples to the page every 20 ms or so;
 * - `speaker`: plays what the room sent, in order, and reports each mark once
 *   everything queued before it has played; `clear` drops what has not played and
 *   reports every pending mark at once. These are Twilio's rules for a stream's
 *   marks (https://www.twilio.com/docs/voice/media-streams/websocket-messages),
 *   kept here, on the audio clock, so a mark means "heard", not "sent".
 */

/** The parts of AudioWorkletGlobalScope this module uses (TypeScript's DOM types lack it). */
declare const sampleRate: number
declare function registerProcessor(name: string, processor: new () => Processor): void
declare class AudioWorkletProcessor {
  readonly port: MessagePort
}
interface Processor extends AudioWorkletProcessor {
  process(inputs: Float32Array[][], outputs: Float32Array[][]): boolean
}

/** About 20 ms at any rate, in whole render quanta of 128. */
const BATCH = Math.max(128, Math.round(sampleRate / 50 / 128) * 128)

class Microphone extends AudioWorkletProcessor implements Processor {
  #batch = new Float32Array(BATCH)
  #filled = 0

  process(inputs: Float32Array[][]): boolean {
    const input = inputs[0]?.[0]
    if (!input) return true
    this.#batch.set(input, this.#filled)
    this.#filled += input.length
    if (this.#filled >= BATCH) {
      this.port.postMessage(this.#batch, [this.#batch.buffer])
      this.#batch = new Float32Array(BATCH)
      this.#filled = 0
    }
    return true
  }
}

type Queued = { samples: Float32Array; read: number } | { mark: string }

export type SpeakerCommand = { play: Float32Array } | { mark: string } | { clear: true }

class Speaker extends AudioWorkletProcessor implements Processor {
  #queue: Queued[] = []

  constructor() {
    super()
    this.port.onmessage = ({ data }: MessageEvent<SpeakerCommand>) => {
      if ('play' in data) this.#queue.push({ samples: data.play, read: 0 })
      else if ('mark' in data) this.#queue.push({ mark: data.mark })
      else this.#clear()
    }
  }

  process(_inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    const output = outputs[0]?.[0]
    if (!output) return true
    let written = 0
    for (;;) {
      const head = this.#queue[0]
      if (!head) break
      if ('mark' in head) {
        this.port.postMessage({ played: head.mark })
        this.#queue.shift()
        continue
      }
      if (written === output.length) break
      const count = Math.min(output.length - written, head.samples.length - head.read)
      output.set(head.samples.subarray(head.read, head.read + count), written)
      written += count
      head.read += count
      if (head.read === head.samples.length) this.#queue.shift()
    }
    output.fill(0, written)
    return true
  }

  #clear(): void {
    for (const item of this.#queue) if ('mark' in item) this.port.postMessage({ played: item.mark })
    this.#queue = []
  }
}

registerProcessor('microphone', Microphone)
registerProcessor('speaker', Speaker)
