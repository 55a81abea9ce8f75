/**
 * `GET /ws/chat`: every check that can refuse a socket runs BEFORE the upgrade, with a plain JSON
 * error a non-browser client can read — 503 while draining, 400 for a request that is not a
 * WebSocket upgrade, 403 for a foreign `Origin` (a missing one is accepted: non-browser clients
 * cannot ride a victim's cookie), 401 without a valid session. Then `Deno.upgradeWebSocket`, whose
 * `idleTimeout` pings a quiet client and drops it when no pong comes back.
 *
 * Two refusals happen after the upgrade, so that browsers can show their reason: a socket beyond
 * `maxSocketsPerAddress` from one client address (checked before the session, so a flood costs no
 * database work) or beyond `maxSocketsPerUser` for one user, on this instance, is opened and closed
 * at once with 1008.
 *
 * The 101 answer names the instance that holds the socket in {@linkcode INSTANCE_HEADER} (a random id
 * per process or `deno serve --parallel` isolate, nothing else), so an operator or a test can see how a
 * load balancer or the kernel spread the sockets.
 */
import type { AuthService } from "../domain/auth.ts";
import { AppError, errorBody } from "../domain/errors.ts";
import type { SocketAdmission } from "../realtime/realtime.ts";
import { errorResponse, json } from "./http.ts";
import { isSameOriginOrAllowed, type OriginPolicy } from "./origin.ts";
import { authenticateUpgrade } from "./session.ts";
import { CLOSE } from "../protocol/server_frames.ts";
import { closeReason } from "../realtime/frames.ts";

/** Response header of the upgrade naming the instance that serves the socket. */
export const INSTANCE_HEADER = "x-preau-instance";

/** What the upgrade needs. */
export interface UpgradeDeps {
  auth: AuthService;
  originPolicy: OriginPolicy;
  /** The realtime core that takes the socket over (and says when it may not). */
  realtime: SocketAdmission;
}

/**
 * Returns the handler of `GET /ws/chat`. `clientAddress` is the client's address as the session
 * module resolved it; unknown (undefined), the per-address cap does not apply.
 */
export function createUpgradeHandler(
  deps: UpgradeDeps,
): (req: Request, clientAddress?: string) => Promise<Response> {
  const realtime = deps.realtime;
  return async (req, clientAddress) => {
    try {
      if (realtime.isStopping()) {
        return json(errorBody("unavailable", "The server is restarting; reconnect in a moment."), 503, {
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
      if (
        clientAddress !== undefined && realtime.socketsFrom(clientAddress) >= realtime.maxSocketsPerAddress
      ) {
        return refuseAfterUpgrade(
          req,
          `too many connections from your network: at most ${realtime.maxSocketsPerAddress}, try again later`,
        );
      }
      const session = await authenticateUpgrade(deps.auth, req);
      const user = { id: session.user.id, name: session.user.name };
      if (realtime.socketsOf(user.id) >= realtime.maxSocketsPerUser) {
        return refuseAfterUpgrade(
          req,
          `too many connections: at most ${realtime.maxSocketsPerUser} per account, close another tab or device`,
        );
      }
      const { socket, response } = upgrade(req, realtime.idleTimeoutSeconds);
      response.headers.set(INSTANCE_HEADER, realtime.instanceId);
      const resume = new URL(req.url).searchParams.get("resume") === "1";
      realtime.accept(socket, user, session.sessionId, session.expiresAt, clientAddress, resume);
      return response;
    } catch (error) {
      return errorResponse(error, "GET /ws/chat");
    }
  };
}

function upgrade(req: Request, idleTimeout?: number): { socket: WebSocket; response: Response } {
  try {
    return Deno.upgradeWebSocket(req, idleTimeout === undefined ? {} : { idleTimeout });
  } catch (error) {
    throw new AppError("bad_request", `Not a valid WebSocket upgrade: ${String(error)}`);
  }
}

/** Opens the socket only to close it at once with 1008 and `reason`, which browsers can show. */
function refuseAfterUpgrade(req: Request, reason: string): Response {
  const { socket, response } = upgrade(req);
  socket.onopen = () => socket.close(CLOSE.policy, closeReason(reason));
  socket.onerror = () => {};
  return response;
}
