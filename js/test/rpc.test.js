import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { createRpc, RpcError } from "../src/common/rpc.js";

// The part of an anywidget model that rpc.js uses, recording what the browser sent.
class FakeModel {
  constructor() {
    this.listeners = new Map();
    this.sent = [];
  }
  on(name, callback) {
    if (!this.listeners.has(name)) this.listeners.set(name, new Set());
    this.listeners.get(name).add(callback);
  }
  off(name, callback) {
    this.listeners.get(name)?.delete(callback);
  }
  send(content, callbacks, buffers) {
    this.sent.push({ content, callbacks, buffers });
  }
  // Python -> browser: every view's listener sees every custom message.
  reply(msg, buffers = []) {
    for (const callback of this.listeners.get("msg:custom") ?? []) callback(msg, buffers);
  }
  listenerCount(name = "msg:custom") {
    return this.listeners.get(name)?.size ?? 0;
  }
}

describe("createRpc", () => {
  it("sends type, id and payload and resolves with the reply carrying the same id", async () => {
    const model = new FakeModel();
    const rpc = createRpc(model);
    const done = rpc.request("load_page", { offset: 20, limit: 10 });
    assert.equal(model.sent.length, 1);
    const { content } = model.sent[0];
    assert.equal(content.type, "load_page");
    assert.equal(content.offset, 20);
    assert.equal(content.limit, 10);
    assert.equal(typeof content.id, "string");
    model.reply({ id: content.id, result: { items: [1, 2] } });
    const { msg, buffers } = await done;
    assert.deepEqual(msg.result, { items: [1, 2] });
    assert.deepEqual(buffers, []);
    assert.equal(rpc.pending, 0);
  });

  it("matches replies to requests by id, in any order, and ignores unknown ids", async () => {
    const model = new FakeModel();
    const rpc = createRpc(model);
    const first = rpc.request("a");
    const second = rpc.request("b");
    const [idA, idB] = model.sent.map((s) => s.content.id);
    assert.notEqual(idA, idB);
    model.reply({ id: "someone-else-1", result: "not mine" });
    model.reply({ result: "no id at all" });
    model.reply("not even an object");
    assert.equal(rpc.pending, 2);
    model.reply({ id: idB, result: "B" });
    model.reply({ id: idA, result: "A" });
    assert.equal((await first).msg.result, "A");
    assert.equal((await second).msg.result, "B");
    model.reply({ id: idA, result: "duplicate reply is ignored" });
    assert.equal(rpc.pending, 0);
  });

  it("keeps two views of one model apart", async () => {
    const model = new FakeModel();
    const viewA = createRpc(model);
    const viewB = createRpc(model);
    const a = viewA.request("same");
    const b = viewB.request("same");
    const [idA, idB] = model.sent.map((s) => s.content.id);
    assert.notEqual(idA, idB);
    model.reply({ id: idA, result: "for A" });
    assert.equal((await a).msg.result, "for A");
    assert.equal(viewB.pending, 1);
    model.reply({ id: idB, result: "for B" });
    assert.equal((await b).msg.result, "for B");
  });

  it("passes buffers both ways", async () => {
    const model = new FakeModel();
    const rpc = createRpc(model);
    const payload = new Uint8Array([1, 2, 3]);
    const done = rpc.request("upload", { name: "x.png" }, { buffers: [payload] });
    assert.deepEqual(model.sent[0].buffers, [payload]);
    const back = new DataView(new Uint8Array([9, 8]).buffer);
    model.reply({ id: model.sent[0].content.id, result: "ok" }, [back]);
    const { buffers } = await done;
    assert.equal(buffers.length, 1);
    assert.equal(buffers[0].getUint8(0), 9);
    assert.equal(buffers[0].getUint8(1), 8);
  });

  it("rejects when no reply comes within the timeout, and ignores a late reply", async () => {
    const model = new FakeModel();
    const rpc = createRpc(model, { timeout: 5_000 });
    const started = Date.now();
    await assert.rejects(rpc.request("slow", {}, { timeout: 30 }), (err) => {
      assert.ok(err instanceof RpcError);
      assert.equal(err.kind, "timeout");
      assert.equal(err.type, "slow");
      assert.match(err.message, /no reply within 30 ms/);
      return true;
    });
    assert.ok(Date.now() - started >= 25, "rejected before the timeout");
    assert.equal(rpc.pending, 0);
    model.reply({ id: model.sent[0].content.id, result: "too late" });
    assert.equal(rpc.pending, 0);
  });

  it("uses the default timeout given to createRpc", async () => {
    const model = new FakeModel();
    const rpc = createRpc(model, { timeout: 20 });
    await assert.rejects(rpc.request("slow"), { name: "RpcError", kind: "timeout" });
  });

  it("rejects on an error reply, with a string or an object error", async () => {
    const model = new FakeModel();
    const rpc = createRpc(model);
    const plain = rpc.request("save");
    const structured = rpc.request("save");
    const [id1, id2] = model.sent.map((s) => s.content.id);
    model.reply({ id: id1, error: "label 'cat' is not in the recipe" });
    model.reply({ id: id2, error: { message: "stale annotation", kind: "conflict" } });
    await assert.rejects(plain, (err) => {
      assert.ok(err instanceof RpcError);
      assert.equal(err.kind, "error");
      assert.equal(err.message, "label 'cat' is not in the recipe");
      assert.equal(err.reply.id, id1);
      return true;
    });
    await assert.rejects(structured, { name: "RpcError", kind: "conflict", message: "stale annotation" });
  });

  it("rejects pending requests and stops listening on dispose", async () => {
    const model = new FakeModel();
    const rpc = createRpc(model);
    const waiting = rpc.request("never");
    assert.equal(model.listenerCount(), 1);
    rpc.dispose();
    assert.equal(model.listenerCount(), 0);
    await assert.rejects(waiting, { name: "RpcError", kind: "disposed" });
    await assert.rejects(rpc.request("after"), { kind: "disposed" });
    assert.equal(model.sent.length, 1);
  });

  it("rejects when model.send throws", async () => {
    const model = new FakeModel();
    model.send = () => {
      throw new Error("comm closed");
    };
    const rpc = createRpc(model);
    await assert.rejects(rpc.request("x"), { kind: "send", message: "x: send failed: comm closed" });
    assert.equal(rpc.pending, 0);
  });
});
