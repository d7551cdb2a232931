import { DurableObject } from 'cloudflare:workers'
import type { Env } from '../config.ts'

export class ConferenceRoom extends DurableObject<Env> {}
