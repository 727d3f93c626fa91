// The message channel between pdfjs's API and its worker code when both run in this thread: pdfjs's
// own stand-in for a worker, with the operator lists handed over without a deep copy.
//
// pdfjs runs its "worker" in the calling thread in Node and connects the two halves with a loopback
// port that structured-clones every message, as a real worker boundary would. For the operator list
// of a page that means copying every glyph object of every text-drawing operator, which zfxxgk never
// reads (it takes text from getTextContent and only the drawing operators from the operator list):
// that copy was a fifth of a report's reading time. This port is given to pdfjs through its public
// API (`new PDFWorker({ port })` and the worker's `WorkerMessageHandler.initializeFromPort`) and
// behaves like pdfjs's loopback port, except for the two kinds of chunk a page streams: an operator-list
// chunk is passed on with copies of its two arrays (the worker empties those arrays after sending and
// never touches the operators' arguments again), a text-content chunk with a copy of its object and item
// array (the worker replaces its items and styles after sending, and builds each item once). That is all
// the isolation those chunks need. A message of strings and numbers only (a stream's pull, close…) is
// copied shallowly, which is an exact copy; every other message is structured-cloned as before.

type Listener = (this: unknown, event: { data: unknown }) => void;

/** pdfjs's stream message kind for a chunk of data (src/shared/message_handler.js). */
const STREAM_ENQUEUE = 4;

interface OperatorListChunk {
  fnArray: unknown[];
  argsArray: unknown[];
}

interface TextContentChunk {
  items: unknown[];
  styles: object;
}

function isOperatorListChunk(chunk: unknown): chunk is OperatorListChunk {
  const c = chunk as Partial<OperatorListChunk> | null;
  return typeof c === "object" && c !== null && Array.isArray(c.fnArray) && Array.isArray(c.argsArray);
}

function isTextContentChunk(chunk: unknown): chunk is TextContentChunk {
  const c = chunk as Partial<TextContentChunk> | null;
  return typeof c === "object" && c !== null && Array.isArray(c.items) && typeof c.styles === "object";
}

/** What the receiving side gets for a message: its own copy, as a worker boundary would give it. */
export function copyMessage(message: unknown, transfer?: unknown[]): unknown {
  const m = message as { stream?: number; chunk?: unknown } | null;
  if (m && m.stream === STREAM_ENQUEUE) {
    const chunk = m.chunk;
    if (isOperatorListChunk(chunk))
      return {
        ...m,
        chunk: { ...chunk, fnArray: chunk.fnArray.slice(), argsArray: chunk.argsArray.slice() },
      };
    if (isTextContentChunk(chunk)) return { ...m, chunk: { ...chunk, items: chunk.items.slice() } };
  }
  // Most messages are a stream's flow control (pull, close…): a few strings and numbers, of which a
  // shallow copy is an exact copy, at a fraction of what structuredClone costs per message.
  if (m && typeof m === "object" && !transfer?.length && Object.getPrototypeOf(m) === Object.prototype) {
    let flat = true;
    for (const key in m) {
      const v = (m as Record<string, unknown>)[key];
      const t = typeof v;
      if (!(v === null || t === "string" || t === "number" || t === "boolean" || t === "undefined")) {
        flat = false;
        break;
      }
    }
    if (flat) return { ...m };
  }
  return structuredClone(message, transfer ? { transfer: transfer as never } : undefined);
}

export class SameThreadPort {
  /** Each listener with the signal that removes it; an aborted signal's listener is dropped when seen. */
  readonly #listeners = new Map<Listener, AbortSignal | undefined>();
  readonly #deferred = Promise.resolve();

  postMessage(message: unknown, transfer?: unknown[]): void {
    const event = { data: copyMessage(message, transfer) };
    // Delivered asynchronously and in order, as by pdfjs's loopback port.
    void this.#deferred.then(() => {
      for (const [listener, signal] of this.#listeners) {
        if (signal?.aborted) this.#listeners.delete(listener);
        else listener.call(this, event);
      }
    });
  }

  /**
   * pdfjs removes a document's listeners by aborting their signal. The signal is checked when a
   * message is delivered instead of being listened to: adding an abort listener to each signal (as
   * pdfjs's port does) costs more in Node than the rest of a document's set-up.
   */
  addEventListener(_type: string, listener: Listener, options?: { signal?: AbortSignal } | null): void {
    if (options?.signal?.aborted) return;
    this.#listeners.set(listener, options?.signal);
  }

  removeEventListener(_type: string, listener: Listener): void {
    this.#listeners.delete(listener);
  }

  terminate(): void {
    this.#listeners.clear();
  }

  /** Listeners whose signal has not been aborted (for tests: one document must not leave any behind). */
  get liveListeners(): number {
    return [...this.#listeners.values()].filter((s) => !s?.aborted).length;
  }
}
