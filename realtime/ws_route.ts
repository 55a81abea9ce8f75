/**
 * `GET /ws/chat`: every check that can refuse a socket runs BEFORE the upgrade, with a plain JSON
 * error a non-browser client can read — 503 while draining, 400 for a request that is not a
 * WebSocket upgrade, 403 for a foreign `Origin` (a missing one is accepted: non-browser clients
 * cannot ride a victim's cookie), 401 without a valid session. Then `Deno.upgradeWebSocket`, whose
 * `idleTimeout` pings a quiet client and drops it when no pong comes back.
 *
 * One refusal happens after the upgrade, so that browsers can show its reason: a user's socket
 * beyond `maxSocketsPerUser` on this instance is opened and closed at once with 1008.
 */
import type { AuthService } from "../domain/auth.ts";
import { AppError, errorBody } from "../domain/errors.ts";
import { errorResponse, json } from "../server/http.ts";
import { isSameOriginOrAllowed, type OriginPolicy } from "../server/origin.ts";
import { authenticateUpgrade } from "../server/session.ts";
import { CLOSE } from "../protocol/server_frames.ts";
import { closeReason } from "./frames.ts";

/** What the upgrade needs. */
export interface UpgradeDeps {
  auth: AuthService;
  originPolicy: OriginPolicy;
  /** True while draining: new sockets are refused with 503. */
  isStopping(): boolean;
  idleTimeoutSeconds: number;
  maxSocketsPerUser: number;
  /** Live sockets of the user on this instance. */
  socketsOf(userId: string): number;
  /** Takes the upgraded socket over; `expiresAt` is when its session's token expires. */
  accept(socket: WebSocket, user: { id: string; name: string }, sessionId: string, expiresAt: Date): void;
}

/** Returns the handler of `GET /ws/chat`. */
export function createUpgradeHandler(deps: UpgradeDeps): (req: Request) => Promise<Response> {
  return async (req) => {
    try {
      if (deps.isStopping()) {
        return json(errorBody("internal", "The server is restarting; reconnect in a moment."), 503, {
          "retry-after": "1",
        });
      }
      if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") {
        throw new AppError(
          "bad_request",
          "This address speaks WebSocket only; open it with new WebSocket(…) or an Upgrade: websocket request.",
        );
      }
      if (!isSameOriginOrAllowed(req, deps.originPolicy)) {
        throw new AppError(
          "forbidden",
          "This connection came from another site; use Préau from its own address.",
        );
      }
      const session = await authenticateUpgrade(deps.auth, req);
      let upgraded: { socket: WebSocket; response: Response };
      try {
        upgraded = Deno.upgradeWebSocket(req, { idleTimeout: deps.idleTimeoutSeconds });
      } catch (error) {
        throw new AppError("bad_request", `Not a valid WebSocket upgrade: ${String(error)}`);
      }
      const { socket, response } = upgraded;
      const user = { id: session.user.id, name: session.user.name };
      if (deps.socketsOf(user.id) >= deps.maxSocketsPerUser) {
        socket.onopen = () =>
          socket.close(
            CLOSE.policy,
            closeReason(
              `too many connections: at most ${deps.maxSocketsPerUser} per account, close another tab or device`,
            ),
          );
        socket.onerror = () => {};
        return response;
      }
      deps.accept(socket, user, session.sessionId, session.expiresAt);
      return response;
    } catch (error) {
      return errorResponse(error, "GET /ws/chat");
    }
  };
}
