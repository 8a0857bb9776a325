// Request/response over an anywidget model's custom messages.
//
// The browser sends   {type, id, ...payload}            with model.send(content, callbacks, buffers)
// Python answers      {id, result?}                     with widget.send(content, buffers)
//               or    {id, error: "message" | {message, kind?}}
//
// Replies reach every view of the model ("msg:custom"), so each Rpc prefixes its ids with a
// random token: a view only settles its own requests and ignores everyone else's.

export class RpcError extends Error {
  constructor(message, { kind = "error", type = undefined, id = undefined, reply = undefined } = {}) {
    super(message);
    this.name = "RpcError";
    this.kind = kind; // "error" (Python said so), "timeout", "disposed", "send"
    this.type = type;
    this.id = id;
    this.reply = reply;
  }
}

const randomToken = () => Math.random().toString(36).slice(2, 10);

export function errorMessage(error) {
  if (typeof error === "string") return error;
  if (error && typeof error.message === "string") return error.message;
  return JSON.stringify(error);
}

/**
 * createRpc(model, {timeout}) -> {request, dispose, pending}
 *
 * request(type, payload = {}, {buffers = [], timeout}) resolves with {msg, buffers} (buffers:
 * the DataViews Python sent along), or rejects with an RpcError whose kind is "error",
 * "timeout", "disposed" or "send". Call dispose() when the view goes away.
 */
export function createRpc(model, { timeout = 10_000, prefix = randomToken() } = {}) {
  const pending = new Map();
  let counter = 0;
  let disposed = false;

  function settle(id) {
    const entry = pending.get(id);
    if (!entry) return undefined;
    pending.delete(id);
    clearTimeout(entry.timer);
    return entry;
  }

  function onMessage(msg, buffers) {
    if (msg === null || typeof msg !== "object" || typeof msg.id !== "string") return;
    const entry = settle(msg.id);
    if (!entry) return;
    if (msg.error !== undefined && msg.error !== null) {
      const kind = typeof msg.error === "object" && msg.error.kind ? msg.error.kind : "error";
      entry.reject(
        new RpcError(errorMessage(msg.error), { kind, type: entry.type, id: msg.id, reply: msg }),
      );
    } else {
      entry.resolve({ msg, buffers: buffers ?? [] });
    }
  }

  model.on("msg:custom", onMessage);

  function request(type, payload = {}, { buffers = [], timeout: ms = timeout } = {}) {
    if (disposed) {
      return Promise.reject(new RpcError(`rpc disposed before ${type}`, { kind: "disposed", type }));
    }
    counter += 1;
    const id = `${prefix}-${counter}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        if (settle(id)) {
          reject(new RpcError(`${type}: no reply within ${ms} ms`, { kind: "timeout", type, id }));
        }
      }, ms);
      pending.set(id, { resolve, reject, timer, type });
      try {
        model.send({ ...payload, type, id }, undefined, buffers);
      } catch (err) {
        settle(id);
        reject(new RpcError(`${type}: send failed: ${errorMessage(err)}`, { kind: "send", type, id }));
      }
    });
  }

  function dispose() {
    if (disposed) return;
    disposed = true;
    model.off("msg:custom", onMessage);
    for (const id of [...pending.keys()]) {
      const entry = settle(id);
      entry.reject(new RpcError(`rpc disposed before ${entry.type} was answered`, {
        kind: "disposed", type: entry.type, id,
      }));
    }
  }

  return {
    request,
    dispose,
    get pending() {
      return pending.size;
    },
  };
}
