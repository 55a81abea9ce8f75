import { activationHandlers } from "../../_lib/activation.ts";

/** `POST /api/admin/people/:userId/reactivate {"establishmentId"}`: see `domain/admin.ts`. */
export const handler = activationHandlers(true);
