import { acceptInvitation } from "@/domain/invitations.ts";
import { AppError } from "@/domain/errors.ts";
import { json, readJson } from "@/server/http.ts";
import { authenticate, clientAddress, signIn } from "@/server/session.ts";
import { define } from "@/server/define.ts";

export const handler = define.handlers({
  /**
   * `POST /api/invitations/accept {"token","password"?,"locale"?}` → `200 {"user","establishmentId","role"}`.
   * A new account is signed in (session cookie set); an existing one must be signed in already. `410 gone`
   * for a used, withdrawn or expired link (see `domain/invitations.ts`).
   */
  async POST(ctx): Promise<Response> {
    const { services } = ctx.state;
    const body = await readJson(ctx.req);
    const session = await authenticate(ctx.hono, services).catch((error) => {
      if (error instanceof AppError && error.code === "unauthorized") return undefined;
      throw error;
    });
    const accepted = await acceptInvitation(
      services.db,
      body,
      session?.user.id,
      clientAddress(ctx.hono, services.trustedProxies),
    );
    if (accepted.created) {
      await signIn(ctx.hono, services, {
        email: accepted.user.email,
        password: (body as { password: string }).password,
      });
    }
    return json({ user: accepted.user, establishmentId: accepted.establishmentId, role: accepted.role });
  },
});
