import { describe, expect, it } from 'vitest'
import { destroyDevice, type Leg } from './use-call.ts'
import type { VoiceDevice } from './voice-device.ts'

function fakeDevice(): VoiceDevice & { destroyed: number } {
  return {
    destroyed: 0,
    connect: () => Promise.reject(new Error('not in this test')),
    updateToken: () => undefined,
    destroy() {
      this.destroyed++
    },
  }
}

describe('destroyDevice', () => {
  it('lets go of a device that came after its leg was released, once', () => {
    const leg: Leg = { released: true }
    // Hung up while the Voice SDK was still loading: no device yet.
    destroyDevice(leg)
    const device = fakeDevice()
    leg.device = device
    destroyDevice(leg)
    destroyDevice(leg)
    expect(device.destroyed).toBe(1)
    expect(leg.deviceDestroyed).toBe(true)
  })
})
