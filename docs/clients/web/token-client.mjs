// Fetches Agora tokens from agora-token-server for a web app, joins an
// RTC channel with agora-rtc-sdk-ng 4.x or logs in to Signaling (RTM)
// 2.x, and renews the token when the SDK says it will expire.
//
// It runs in browsers and in Node 20 and needs nothing but fetch. It
// uses the server's GET routes, /rtc/... and /rtm/..., whose answers are
// {"rtcToken": "007..."} and {"rtmToken": "007..."}.

/** The server refused a request; the message is the server's own. */
export class TokenServerError extends Error {
  /**
   * @param {string} message
   * @param {number} status HTTP status, such as 400, 401, 403 or 429
   * @param {object|null} problem the server's application/problem+json
   *   body: detail, and for a 400 the errors list of {field, message}
   */
  constructor(message, status, problem) {
    super(message);
    this.name = "TokenServerError";
    this.status = status;
    this.problem = problem;
  }
}

/** How long one request to the server may take. */
const requestTimeoutMs = 10_000;

/**
 * Returns a client of the token server at baseURL.
 *
 * @param {string} baseURL such as "https://tokens.example.com"; a path
 *   prefix is kept
 * @param {object} [options]
 * @param {() => (Record<string,string>|Promise<Record<string,string>>)} [options.headers]
 *   called before every request, for the credential the server asks for:
 *   () => ({ Authorization: `Bearer ${await signIn.idToken()}` })
 */
export function tokenServer(baseURL, { headers = () => ({}) } = {}) {
  const base = baseURL.replace(/\/+$/, "");

  async function get(path, expiry, field) {
    const query = expiry === undefined ? "" : `?expiry=${encodeURIComponent(expiry)}`;
    const res = await fetch(base + path + query, {
      headers: await headers(),
      signal: AbortSignal.timeout(requestTimeoutMs),
    });
    if (!res.ok) {
      // Errors are problem+json, but a proxy in front may answer in HTML.
      const json = (res.headers.get("Content-Type") ?? "").includes("json");
      const problem = json ? await res.json().catch(() => null) : null;
      throw new TokenServerError(problem?.detail ?? `${res.status} ${res.statusText}`, res.status, problem);
    }
    const token = (await res.json())[field];
    if (typeof token !== "string") {
      throw new TokenServerError(`the answer has no ${field}`, res.status, null);
    }
    return token;
  }

  return {
    /**
     * An RTC token. A numeric uid asks for a uid token (0: any uid may
     * join with it); a string asks for a user-account token.
     * @param {{channel: string, uid?: number|string, role?: "publisher"|"subscriber", expiry?: number}} request
     */
    rtcToken({ channel, uid = 0, role = "publisher", expiry }) {
      const type = typeof uid === "string" ? "userAccount" : "uid";
      const path = `/rtc/${encodeURIComponent(channel)}/${role}/${type}/${encodeURIComponent(uid)}`;
      return get(path, expiry, "rtcToken");
    },
    /** An RTM (Signaling) login token. @param {{userId: string, expiry?: number}} request */
    rtmToken({ userId, expiry }) {
      return get(`/rtm/${encodeURIComponent(userId)}`, expiry, "rtmToken");
    },
  };
}

// renewal is the listener that fetches a new token and hands it to the
// SDK. A failure goes to onError: nothing awaits an SDK's listener.
function renewal(fetchToken, renew, onError) {
  return async () => {
    try {
      await renew(await fetchToken());
    } catch (err) {
      onError(err);
    }
  };
}

function reportRenewalFailure(err) {
  console.error("token renewal failed:", err);
}

/**
 * Joins an RTC channel with a token from server, and renews the token on
 * the client's "token-privilege-will-expire" event.
 *
 * @param {object} client an IAgoraRTCClient: AgoraRTC.createClient(...)
 * @param {ReturnType<typeof tokenServer>} server
 * @param {{appId: string, channel: string, uid?: number|string, role?: "publisher"|"subscriber",
 *          expiry?: number, onError?: (err: Error) => void}} options
 *   uid 0, the default, lets the SDK pick the uid.
 * @returns {Promise<{uid: number|string, stop: () => void}>} the uid
 *   joined with, and stop, which ends the renewals (call it on leave)
 */
export async function joinChannel(client, server, options) {
  const { appId, channel, uid = 0, role, expiry, onError = reportRenewalFailure } = options;
  const fetchToken = () => server.rtcToken({ channel, uid, role, expiry });
  const renew = renewal(fetchToken, (token) => client.renewToken(token), onError);
  client.on("token-privilege-will-expire", renew);
  const stop = () => client.off("token-privilege-will-expire", renew);
  try {
    const joined = await client.join(appId, channel, await fetchToken(), uid === 0 ? null : uid);
    return { uid: joined, stop };
  } catch (err) {
    stop();
    throw err;
  }
}

/**
 * Logs a Signaling (RTM 2.x) client in with a token from server, and
 * renews the token on its "tokenPrivilegeWillExpire" event.
 *
 * @param {object} rtm an RTM client: new AgoraRTM.RTM(appId, userId)
 * @param {ReturnType<typeof tokenServer>} server
 * @param {{userId: string, expiry?: number, onError?: (err: Error) => void}} options
 *   userId must be the one the client was created with.
 * @returns {Promise<{stop: () => void}>} stop ends the renewals
 */
export async function loginRTM(rtm, server, { userId, expiry, onError = reportRenewalFailure }) {
  const fetchToken = () => server.rtmToken({ userId, expiry });
  const renew = renewal(fetchToken, (token) => rtm.renewToken(token), onError);
  rtm.addEventListener("tokenPrivilegeWillExpire", renew);
  const stop = () => rtm.removeEventListener("tokenPrivilegeWillExpire", renew);
  try {
    await rtm.login({ token: await fetchToken() });
    return { stop };
  } catch (err) {
    stop();
    throw err;
  }
}
