import { describe, expect, it } from 'vitest'
import { pageHarness } from './harness.ts'

const harness = pageHarness()

describe('the real Voice SDK adapter', () => {
  it('loads in Chromium and builds a Device, which only asks Twilio for its sounds', async () => {
    const { page } = await harness.open()
    const errors: string[] = []
    const outside: string[] = []
    page.on('pageerror', (error) => errors.push(error.message))
    const isOutside = (url: URL) => url.hostname !== '127.0.0.1'
    await page.route(isOutside, (route) => {
      outside.push(route.request().url())
      return route.abort()
    })
    await page.routeWebSocket(isOutside, (socket) => {
      outside.push(socket.url())
      return socket.close()
    })
    const chunk = harness.assets().find((path) => /\/twilio-device-[^/]+\.js$/.test(path))
    expect(chunk).toBeDefined()

    // A string, not a function: vitest would rewrite a function's `import()` for Node.
    const device = await page.evaluate(`(async () => {
      const { createTwilioDevice, isVoiceSupported } = await import(${JSON.stringify(chunk)})
      const created = createTwilioDevice('not-a-real-token', { tokenWillExpire() {}, error() {} })
      const methods = Object.keys(created).sort()
      created.destroy()
      return { methods, supported: isVoiceSupported() }
    })()`)

    // Chromium has WebRTC: the check before a start lets it call.
    expect(device).toEqual({ methods: ['connect', 'destroy', 'updateToken'], supported: true })
    expect(errors).toEqual([])
    // The Device preloads its ringback and DTMF sounds from sdk.twilio.com; the test blocks them.
    await expect.poll(() => outside.length).toBeGreaterThan(0)
    expect(
      outside.filter((url) => !url.startsWith('https://sdk.twilio.com/js/client/sounds/')),
    ).toEqual([])
  })
})
