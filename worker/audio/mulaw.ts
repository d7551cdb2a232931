/**
 * G.711 mu-law, the only audio format of Twilio Media Streams
 * (audio/x-mulaw, 8000 Hz, mono).
 *
 * Encoding follows the classic 16-bit reference routine (Sun/CCITT `g711.c`,
 * Craig Reese's `linear2ulaw`): bias 0x84, clip at 32635, segment search,
 * all bits inverted. It is the form `alawmulaw` implements and ElevenLabs'
 * own browser client uses (elevenlabs/packages,
 * packages/client/src/utils/rawAudioProcessor.ts). Both directions are
 * table lookups built once at load: 256 entries to decode, 65,536 to encode.
 */

/** Code 0xFF decodes to 0. A zero byte is NOT silence: it decodes to -32124. */
export const MULAW_SILENCE = 0xff

const BIAS = 0x84
const CLIP = 32635
const SEGMENT_ENDS = [0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff, 0x1fff, 0x3fff, 0x7fff]

function encodeSample(sample: number): number {
  const sign = (sample >> 8) & 0x80
  const magnitude = Math.min((sign ? -sample : sample) + BIAS, CLIP)
  const segment = SEGMENT_ENDS.findIndex((end) => magnitude <= end)
  const mantissa = (magnitude >> (segment + 3)) & 0x0f
  return ~(sign | (segment << 4) | mantissa) & 0xff
}

function decodeSample(code: number): number {
  const inverted = ~code & 0xff
  const segment = (inverted >> 4) & 0x07
  const magnitude = ((((inverted & 0x0f) << 3) + BIAS) << segment) - BIAS
  return inverted & 0x80 ? -magnitude : magnitude
}

const DECODE_TABLE = Int16Array.from({ length: 256 }, (_, code) => decodeSample(code))
/** Indexed by the sample's 16-bit two's-complement pattern (`sample & 0xffff`). */
const ENCODE_TABLE = Uint8Array.from({ length: 65536 }, (_, bits) =>
  encodeSample((bits << 16) >> 16),
)

function outputFor<T extends Int16Array | Uint8Array>(
  length: number,
  output: T | undefined,
  create: (length: number) => T,
): T {
  if (!output) return create(length)
  if (output.length < length) {
    throw new RangeError(`output holds ${output.length} samples, ${length} needed`)
  }
  return output.length === length ? output : (output.subarray(0, length) as T)
}

/** Decodes into `output` when given (at least as long as `input`), else into a new array. */
export function decodeMulaw(input: Uint8Array, output?: Int16Array): Int16Array {
  const samples = outputFor(input.length, output, (n) => new Int16Array(n))
  for (let i = 0; i < input.length; i++) samples[i] = DECODE_TABLE[input[i] ?? MULAW_SILENCE] ?? 0
  return samples
}

/** Encodes into `output` when given (at least as long as `input`), else into a new array. */
export function encodeMulaw(input: Int16Array, output?: Uint8Array): Uint8Array {
  const codes = outputFor(input.length, output, (n) => new Uint8Array(n))
  for (let i = 0; i < input.length; i++) {
    codes[i] = ENCODE_TABLE[(input[i] ?? 0) & 0xffff] ?? MULAW_SILENCE
  }
  return codes
}
