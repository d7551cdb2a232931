/**
 * bench/timer-cost.ts's worker. `GET /?rooms=N&period=MS&seconds=S` makes N Durable Objects
 * wake every MS milliseconds for S seconds, each wake clearing and setting its timer as the
 * room does on every tick (worker/conference/room.ts, the `timer` action), and answers
 * `{ wakes }`, their sum. Typed by hand, as bench/passthrough/workerd.ts explains.
 */

interface TickerStub {
  fetch(url: string): Promise<Response>
}

interface Env {
  TICKER: { idFromName(name: string): unknown; get(id: unknown): TickerStub }
}

export class Ticker {
  #timer: ReturnType<typeof setTimeout> | undefined

  async fetch(request: Request): Promise<Response> {
    const query = new URL(request.url).searchParams
    const wakes = await this.#run(Number(query.get('period')), Number(query.get('seconds')))
    return Response.json({ wakes })
  }

  #run(periodMs: number, seconds: number): Promise<number> {
    const end = Date.now() + seconds * 1000
    let wakes = 0
    return new Promise((resolve) => {
      const wake = () => {
        wakes++
        if (this.#timer !== undefined) clearTimeout(this.#timer)
        this.#timer = undefined
        if (Date.now() >= end) resolve(wakes)
        else this.#timer = setTimeout(wake, periodMs)
      }
      this.#timer = setTimeout(wake, Math.min(periodMs, seconds * 1000))
    })
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const query = new URL(request.url).searchParams
    const rooms = Number(query.get('rooms') ?? 1)
    const answers = await Promise.all(
      Array.from({ length: rooms }, async (_, i) => {
        const ticker = env.TICKER.get(env.TICKER.idFromName(`ticker-${i}`))
        const response = await ticker.fetch(`http://ticker/?${query}`)
        return ((await response.json()) as { wakes: number }).wakes
      }),
    )
    return Response.json({ wakes: answers.reduce((sum, wakes) => sum + wakes, 0) })
  },
}
