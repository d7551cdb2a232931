/**
 * Rational resampling by L/M (output rate = input rate * L / M) with a
 * polyphase FIR: conceptually, insert L - 1 zeros between input samples,
 * lowpass at L times the input rate, keep every M-th sample. Only the taps
 * that meet a real input sample are evaluated, so each output costs about
 * (prototype length / L) multiply-adds: 22.05 kHz is 160/441 of 8 kHz,
 * 44.1 kHz is 80/441, 24 kHz 1/3, 48 kHz 1/6, and the reverse ratios.
 */
import { designLowpass, type LowpassSpec } from './fir-design.ts'
import { InputHistory, toInt16 } from './input-history.ts'

/** The prototype split into its L branches, flattened so the inner loop reads typed arrays only. */
export interface PolyphaseBank {
  readonly upFactor: number
  readonly downFactor: number
  /** Every branch's non-zero taps, each branch oldest input first. */
  readonly taps: Float64Array
  /** Branch p's taps are taps[branchStart[p] .. branchStart[p + 1]). */
  readonly branchStart: Int32Array
  /** How many samples before the newest one branch p's oldest tap reaches. */
  readonly branchLag: Int32Array
  /** After an output on branch p: the next branch, and how many input samples to move on. */
  readonly nextBranch: Int32Array
  readonly inputAdvance: Int32Array
  readonly historyLength: number
  readonly delayMs: number
}

function nonZeroSpan(coefficients: number[]): [number, number] {
  const first = coefficients.findIndex((c) => c !== 0)
  return first < 0 ? [0, -1] : [first, coefficients.findLastIndex((c) => c !== 0)]
}

export function designPolyphaseBank(
  spec: LowpassSpec,
  length: number,
  upFactor: number,
  downFactor: number,
): PolyphaseBank {
  const prototype = designLowpass(spec, length)
  const branches: number[][] = []
  const branchStart = new Int32Array(upFactor + 1)
  const branchLag = new Int32Array(upFactor)
  for (let phase = 0; phase < upFactor; phase++) {
    // Coefficient j of this branch weighs the input j samples before the newest.
    const coefficients: number[] = []
    for (let k = phase; k < length; k += upFactor) coefficients.push(upFactor * (prototype[k] ?? 0))
    const [first, last] = nonZeroSpan(coefficients)
    branches.push(coefficients.slice(first, last + 1).reverse())
    branchLag[phase] = Math.max(last, 0)
    branchStart[phase + 1] = (branchStart[phase] ?? 0) + last + 1 - first
  }
  const nextBranch = Int32Array.from({ length: upFactor }, (_, p) => (p + downFactor) % upFactor)
  const inputAdvance = Int32Array.from({ length: upFactor }, (_, p) =>
    Math.floor((p + downFactor) / upFactor),
  )
  return {
    upFactor,
    downFactor,
    taps: Float64Array.from(branches.flat()),
    branchStart,
    branchLag,
    nextBranch,
    inputAdvance,
    historyLength: Math.max(...branchLag),
    delayMs: (((length - 1) / 2) * 1000) / spec.sampleRate,
  }
}

/** The state of one stream through a bank: input history and where the next output falls. */
export class PolyphaseStream {
  readonly #bank: PolyphaseBank
  readonly #history: InputHistory
  /** Index in the history buffer of the newest input sample the next output uses. */
  #newest: number
  #branch = 0

  constructor(bank: PolyphaseBank) {
    this.#bank = bank
    this.#history = new InputHistory(bank.historyLength)
    this.#newest = bank.historyLength
  }

  get delayMs(): number {
    return this.#bank.delayMs
  }

  maxOutputLength(inputLength: number): number {
    return Math.ceil((inputLength * this.#bank.upFactor) / this.#bank.downFactor)
  }

  processInto(input: Int16Array, output: Int16Array): number {
    const { taps, branchStart, branchLag, nextBranch, inputAdvance } = this.#bank
    const buffer = this.#history.append(input)
    const end = this.#history.length + input.length
    let newest = this.#newest
    let branch = this.#branch
    let written = 0
    while (newest < end) {
      const first = branchStart[branch] ?? 0
      const stop = branchStart[branch + 1] ?? 0
      const offset = newest - (branchLag[branch] ?? 0) - first
      let sum = 0
      for (let k = first; k < stop; k++) sum += (taps[k] ?? 0) * (buffer[offset + k] ?? 0)
      output[written++] = toInt16(sum)
      newest += inputAdvance[branch] ?? 0
      branch = nextBranch[branch] ?? 0
    }
    this.#newest = newest - input.length
    this.#branch = branch
    this.#history.advance(input.length)
    return written
  }

  reset(): void {
    this.#history.reset()
    this.#newest = this.#bank.historyLength
    this.#branch = 0
  }
}
