/**
 * What the stand-in has been asked (the request log tests read back) and the faults
 * tests have scripted for the requests still to come.
 */
import type { Fault, RecordedRequest, RequestFilter } from './control.ts'

/** Oldest entries are dropped beyond this, so a long local run does not grow without end. */
const MAX_RECORDED = 10_000

export class Traffic {
  readonly #requests: RecordedRequest[] = []
  readonly #faults: Array<Fault & { remaining: number }> = []
  #nextId = 1

  record(request: Omit<RecordedRequest, 'id' | 'status'>): RecordedRequest {
    const recorded = { ...request, id: this.#nextId++, status: 0 }
    this.#requests.push(recorded)
    if (this.#requests.length > MAX_RECORDED) this.#requests.shift()
    return recorded
  }

  list(filter: RequestFilter): RecordedRequest[] {
    return this.#requests.filter(
      (request) =>
        (filter.conference === undefined || request.conference === filter.conference) &&
        (filter.pathContains === undefined || request.path.includes(filter.pathContains)) &&
        (filter.method === undefined || request.method === filter.method.toUpperCase()),
    )
  }

  addFault(fault: Fault): void {
    this.#faults.push({ ...fault, remaining: fault.times ?? 1 })
  }

  /** The first scripted fault matching this request, used up by one. */
  takeFault(method: string, path: string): Fault | undefined {
    const index = this.#faults.findIndex(
      (fault) =>
        path.includes(fault.pathContains) &&
        (fault.method === undefined || fault.method.toUpperCase() === method),
    )
    const fault = this.#faults[index]
    if (!fault) return undefined
    fault.remaining -= 1
    if (fault.remaining <= 0) this.#faults.splice(index, 1)
    return fault
  }
}
