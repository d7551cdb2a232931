import { DurableObject } from 'cloudflare:workers'
import type { Env } from '../config'

export class ConferenceRoom extends DurableObject<Env> {}
