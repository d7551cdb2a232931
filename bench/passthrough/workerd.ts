/**
 * The few workerd APIs the pass-through uses, typed by hand: bench/ is
 * type-checked with Node's types (tsconfig.node.json), which lack Workers'
 * WebSocketPair, `Response.webSocket` and the Durable Object state.
 */

export interface WorkerdSocket {
  accept(): void
  send(data: string): void
  close(code?: number, reason?: string): void
  addEventListener(type: 'message', listener: (event: { data: string | ArrayBuffer }) => void): void
  addEventListener(type: 'close', listener: (event: { code: number; reason: string }) => void): void
}

export interface RelayState {
  acceptWebSocket(socket: WorkerdSocket, tags?: string[]): void
}

interface RelayRoomStub {
  fetch(request: Request): Promise<Response>
}

export interface RelayEnv {
  RELAY_ROOM: { idFromName(name: string): unknown; get(id: unknown): RelayRoomStub }
  TWILIO_AUTH_TOKEN: string
  WEBHOOK_BASE_URL: string
  ELEVENLABS_API_BASE: string
  ELEVENLABS_API_KEY: string
}

/** A connected pair: [0] goes back to the client in the 101 response, [1] stays here. */
export function webSocketPair(): [WorkerdSocket, WorkerdSocket] {
  const { WebSocketPair } = globalThis as unknown as {
    WebSocketPair: new () => { 0: WorkerdSocket; 1: WorkerdSocket }
  }
  const pair = new WebSocketPair()
  return [pair[0], pair[1]]
}

/** The 101 answer that hands `client` to whoever asked for the upgrade. */
export const upgradeResponse = (client: WorkerdSocket): Response =>
  new Response(null, { status: 101, webSocket: client } as ResponseInit)

/** The socket of a `fetch` answered with 101, if any. */
export const upgradedSocket = (response: Response): WorkerdSocket | null =>
  (response as unknown as { webSocket: WorkerdSocket | null }).webSocket
