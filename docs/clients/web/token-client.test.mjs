// Tests token-client.mjs against a real agora-token-server. The Go test
// TestWebTokenClient, in e2e/, starts one with API keys and runs this file
// with node --test, passing the server's URL and key in the environment:
// from the repository's root, go test ./e2e -run TestWebTokenClient.
// Agora's SDKs cannot run in Node, so small stand-ins play the RTC and
// RTM clients: they record what the module asks of them.

import assert from "node:assert/strict";
import { EventEmitter, once } from "node:events";
import { test } from "node:test";

import { joinChannel, loginRTM, tokenServer, TokenServerError } from "./token-client.mjs";

const base = process.env.TOKEN_SERVER_URL;
const key = process.env.TOKEN_SERVER_API_KEY;
if (!base || !key) {
  throw new Error("TOKEN_SERVER_URL and TOKEN_SERVER_API_KEY are unset: from the repository's root, run go test ./e2e -run TestWebTokenClient");
}
const credential = () => ({ Authorization: `Bearer ${key}` });
const server = tokenServer(base, { headers: credential });

// inspect asks the server what a token holds and whether it signed it.
async function inspect(token) {
  const res = await fetch(`${base}/v1/tokens/inspect`, {
    method: "POST",
    headers: { ...credential(), "Content-Type": "application/json" },
    body: JSON.stringify({ token }),
  });
  assert.equal(res.status, 200);
  return res.json();
}

// assertRTC checks that token is a valid 007 RTC token for the channel
// and user, and returns its inspection.
async function assertRTC(token, channel, user) {
  assert.match(token, /^007/);
  const got = await inspect(token);
  assert.equal(got.signature, "valid");
  assert.equal(got.services.length, 1);
  const { service, channel: gotChannel, uid, account } = got.services[0];
  assert.deepEqual({ service, channel: gotChannel, user: uid ?? account }, { service: "rtc", channel, user });
  return got;
}

const privileges = (inspection) => inspection.services[0].privileges.map((p) => p.name);
const lifetime = (inspection) => (Date.parse(inspection.expiresAt) - Date.parse(inspection.issuedAt)) / 1000;

test("an RTC token for a uid, in a channel whose name needs escaping", async () => {
  const token = await server.rtcToken({ channel: "my room #1 (test)", uid: 42, role: "publisher", expiry: 600 });
  const got = await assertRTC(token, "my room #1 (test)", 42);
  assert.deepEqual(privileges(got), ["joinChannel", "publishAudio", "publishVideo", "publishData"]);
  assert.equal(lifetime(got), 600);
});

test("an RTC token for a user account, as a subscriber", async () => {
  const got = await assertRTC(await server.rtcToken({ channel: "lobby", uid: "alice", role: "subscriber" }), "lobby", "alice");
  assert.deepEqual(privileges(got), ["joinChannel"]);
  assert.equal(lifetime(got), 3600, "the server's DEFAULT_EXPIRY");
});

test("an RTM token", async () => {
  const token = await server.rtmToken({ userId: "bob", expiry: 120 });
  assert.match(token, /^007/);
  const got = await inspect(token);
  assert.equal(got.signature, "valid");
  assert.deepEqual(got.services.map((s) => [s.service, s.userId]), [["rtm", "bob"]]);
  assert.equal(lifetime(got), 120);
});

test("a refusal carries the server's own message and problem", async () => {
  const said = await (await fetch(`${base}/rtc/bad*channel/publisher/uid/42`, { headers: credential() })).json();
  await assert.rejects(server.rtcToken({ channel: "bad*channel", uid: 42 }), (err) => {
    assert.ok(err instanceof TokenServerError);
    assert.equal(err.status, 400);
    assert.equal(err.message, said.detail);
    assert.deepEqual(err.problem.errors.map((e) => e.field), ["channelName"]);
    return true;
  });
  await assert.rejects(server.rtmToken({ userId: "bob", expiry: 0 }), { status: 400, message: /^expiry must be/ });
  await assert.rejects(tokenServer(base).rtmToken({ userId: "bob" }), { status: 401, message: /credential is required/ });
});

// fakeRTC stands in for an IAgoraRTCClient: on/off come from
// EventEmitter; join and renewToken record their arguments.
class FakeRTC extends EventEmitter {
  renewed = [];
  async join(appId, channel, token, uid) {
    this.joined = { appId, channel, token, uid };
    return uid ?? 90001; // the SDK picks a uid when given none
  }
  async renewToken(token) {
    this.renewed.push(token);
    this.emit("renewed");
  }
}

const appId = "970ca35de60c44645bbae8a215061b33";

test("joinChannel joins with a token and renews it when the SDK warns", async () => {
  const client = new FakeRTC();
  const { uid, stop } = await joinChannel(client, server, { appId, channel: "stage", uid: 7, role: "publisher" });
  assert.equal(uid, 7);
  assert.deepEqual([client.joined.appId, client.joined.channel, client.joined.uid], [appId, "stage", 7]);
  await assertRTC(client.joined.token, "stage", 7);

  const renewed = once(client, "renewed", { signal: AbortSignal.timeout(5000) });
  client.emit("token-privilege-will-expire");
  await renewed;
  assert.equal(client.renewed.length, 1);
  assert.notEqual(client.renewed[0], client.joined.token);
  await assertRTC(client.renewed[0], "stage", 7);

  stop();
  assert.equal(client.listenerCount("token-privilege-will-expire"), 0);
});

test("joinChannel with uid 0 lets the SDK pick the uid", async () => {
  const client = new FakeRTC();
  const { uid } = await joinChannel(client, server, { appId, channel: "stage" });
  assert.equal(client.joined.uid, null);
  assert.equal(uid, 90001);
  await assertRTC(client.joined.token, "stage", 0);
});

test("a renewal the server refuses goes to onError", async () => {
  let credentialFor = credential;
  const flaky = tokenServer(base, { headers: () => credentialFor() });
  let onError;
  const failed = new Promise((resolve) => (onError = resolve));
  const client = new FakeRTC();
  await joinChannel(client, flaky, { appId, channel: "stage", uid: 8, onError });

  credentialFor = () => ({ Authorization: "Bearer revoked-key-0123456789" });
  client.emit("token-privilege-will-expire");
  const err = await failed;
  assert.ok(err instanceof TokenServerError);
  assert.equal(err.status, 401);
  assert.deepEqual(client.renewed, []);
});

test("joinChannel stops listening when it cannot get a token", async () => {
  const client = new FakeRTC();
  await assert.rejects(joinChannel(client, server, { appId, channel: "bad*channel", uid: 1 }), { status: 400 });
  assert.equal(client.joined, undefined);
  assert.equal(client.listenerCount("token-privilege-will-expire"), 0);
});

// FakeRTM stands in for a Signaling 2.x client, whose listeners take
// the event's fields as arguments rather than an Event.
class FakeRTM {
  listeners = new Map();
  renewed = [];
  addEventListener(name, fn) {
    this.listeners.set(name, [...(this.listeners.get(name) ?? []), fn]);
  }
  removeEventListener(name, fn) {
    this.listeners.set(name, (this.listeners.get(name) ?? []).filter((f) => f !== fn));
  }
  fire(name, ...args) {
    return Promise.all((this.listeners.get(name) ?? []).map((fn) => fn(...args)));
  }
  async login({ token }) {
    this.loginToken = token;
  }
  async renewToken(token) {
    this.renewed.push(token);
  }
}

test("loginRTM logs in and renews on tokenPrivilegeWillExpire", async () => {
  const rtm = new FakeRTM();
  const { stop } = await loginRTM(rtm, server, { userId: "carol", expiry: 300 });
  const login = await inspect(rtm.loginToken);
  assert.deepEqual([login.signature, login.services[0].service, login.services[0].userId, lifetime(login)], ["valid", "rtm", "carol", 300]);

  await rtm.fire("tokenPrivilegeWillExpire", "");
  assert.equal(rtm.renewed.length, 1);
  const renewed = await inspect(rtm.renewed[0]);
  assert.deepEqual([renewed.signature, renewed.services[0].userId, lifetime(renewed)], ["valid", "carol", 300]);

  stop();
  await rtm.fire("tokenPrivilegeWillExpire", "");
  assert.equal(rtm.renewed.length, 1);
});
