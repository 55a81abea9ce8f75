import { activationHandlers } from "@/routes/api/admin/_lib/activation.ts";

/** `POST /api/admin/people/:userId/deactivate {"establishmentId"}`: see `domain/admin.ts`. */
export const handler = activationHandlers(false);
