/**
 * A local stand-in for the part of Twilio's REST API the worker calls: conference
 * participants, conferences and calls, with Twilio's auth, errors and JSON, and the status
 * callbacks Twilio would make (sent only through tunnels tests register). Tests reach it
 * through TWILIO_API_BASE and drive it through `/__standin/…` (see README.md).
 *
 * Run it alone for `wrangler dev`: `node devtools/twilio-standin/server.ts` (PORT, default 8790).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { TEST_CREDENTIALS } from '../../test/test-env.ts'
import type { RunningStandin } from '../standin.ts'
import { StandinAccount } from './account.ts'
import { Callbacks } from './callbacks.ts'
import { type Controlled, control } from './control-routes.ts'
import { twilioError } from './resources.ts'
import { type Answer, answer, authenticate, conferenceOf, parseTarget } from './rest-api.ts'
import { Traffic } from './traffic.ts'

export async function startTwilioStandin(options: { port?: number } = {}): Promise<RunningStandin> {
  const callbacks = new Callbacks()
  const standin: Standin = {
    account: new StandinAccount(TEST_CREDENTIALS.TWILIO_ACCOUNT_SID, callbacks),
    traffic: new Traffic(),
    callbacks,
    closing: new AbortController(),
  }
  const server = createServer((request, response) => {
    response.on('error', () => {})
    const replied = new Promise<void>((resolve) => {
      response.once('finish', resolve).once('close', resolve)
    })
    handle(request, standin, replied)
      .then((reply) => send(response, reply))
      .catch((error: unknown) => {
        if (!standin.closing.signal.aborted) console.error('twilio stand-in:', error)
        send(response, twilioError(500, 20500, 'The stand-in failed; see its log'))
      })
  })
  // Idle connections are left for the client to close (Node closes them after 6 s): a test
  // process busy for longer (a CPU-bound check on a loaded machine) does not see the close,
  // and its next request, sent on the closed connection, fails ("other side closed").
  server.keepAliveTimeout = 0
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      standin.closing.abort()
      standin.account.close()
      callbacks.close()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

interface Standin extends Controlled {
  closing: AbortController
}

async function handle(
  request: IncomingMessage,
  standin: Standin,
  replied: Promise<void>,
): Promise<Answer> {
  const body = await readBody(request)
  const url = new URL(request.url ?? '/', 'http://standin')
  const method = request.method ?? 'GET'
  if (url.pathname.startsWith('/__standin/')) return control(method, url, body, standin)
  const { account, traffic, callbacks } = standin
  const form = isForm(request) ? formFields(body) : {}
  const principal = authenticate(request.headers.authorization)
  const target = parseTarget(url.pathname)
  const recorded = traffic.record({
    method,
    path: url.pathname,
    query: url.search,
    form,
    principal,
    conference: target ? conferenceOf(account, target) : null,
  })
  const reply = await answer({
    method,
    path: url.pathname,
    form,
    principal,
    target,
    account,
    traffic,
    callbacks,
    replied,
    closing: standin.closing.signal,
  })
  recorded.status = reply.status
  return reply
}

const isForm = (request: IncomingMessage) =>
  (request.headers['content-type'] ?? '')
    .toLowerCase()
    .startsWith('application/x-www-form-urlencoded')

function formFields(body: string): Record<string, string[]> {
  const fields: Record<string, string[]> = {}
  for (const [name, value] of new URLSearchParams(body)) {
    fields[name] = [...(fields[name] ?? []), value]
  }
  return fields
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

function send(response: ServerResponse, reply: Answer): void {
  if (response.headersSent || response.destroyed) return
  if (reply.status === 204) {
    response.writeHead(204, reply.headers).end()
    return
  }
  response
    .writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers })
    .end(JSON.stringify(reply.body))
}

if (import.meta.main) {
  const standin = await startTwilioStandin({ port: Number(process.env.PORT ?? 8790) })
  console.log(`Twilio stand-in listening on ${standin.url}`)
}
