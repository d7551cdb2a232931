/**
 * Keeps the latest parsed message of each kind alive, and with it its hidden class.
 *
 * `JSON.parse` gives each object the hidden class ("map") of its keys in their order, and
 * V8 keeps a map only while some object has it. A call's messages are garbage moments
 * after they arrive, so at a full collection often no object has, say, the map of
 * Twilio's `media` message: V8 frees it and throws away every optimized function that
 * checked for it (`--trace-deopt`: "embedded weak objects cleared"). At 50 calls that was
 * the parsers and most of the bridge's per-frame path, at every full collection, just
 * when the frames of every call had queued behind its pause and had to be caught up by
 * unoptimized code (docs/bridge-bench.md, "The tail"). One kept message per kind keeps
 * the maps, and the optimized code with them. What is kept is only ever read by tests; a
 * kind's message is let go when the next one of its kind arrives.
 */
export class ShapeKeeper<Kind extends string> {
  readonly #kept = new Map<Kind, object>()

  keep(kind: Kind, message: object): void {
    this.#kept.set(kind, message)
  }

  /** The message kept for `kind`, if any. */
  kept(kind: Kind): object | undefined {
    return this.#kept.get(kind)
  }
}
