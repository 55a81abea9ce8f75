import { activationHandlers } from "@/routes/api/admin/_lib/activation.ts";

/** `POST /api/admin/people/:userId/reactivate {"establishmentId"}`: see `domain/admin.ts`. */
export const handler = activationHandlers(true);
